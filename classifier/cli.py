"""Typer commands of the classifier. The main CLI registers them with `register(app)`:

- ``claims list``: the known refuted claims (Rich table).
- ``claims test "văn bản"``: which known claims a text matches, with score, stance and the official rebuttal.
- ``claims add``: validate and append a claim to the registry file, bumping its ``version``.

``--file`` (or the environment variable ``CRISISWATCH_CLAIMS_FILE``) selects the registry; default: the packaged
``common/data/claims.yaml``. Messages are in Vietnamese.
"""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from common.claims import DEFAULT_CLAIMS_FILE, Registry, RegistryError

console = Console()
err_console = Console(stderr=True)

FileOption = Annotated[Path, typer.Option(
    "--file", envvar="CRISISWATCH_CLAIMS_FILE", dir_okay=False,
    help="Tệp sổ đăng ký tin đồn (YAML); mặc định: tệp đi kèm gói.")]

claims_app = typer.Typer(help="Sổ đăng ký các tin đồn đã được bác bỏ: xem, thử, thêm.", no_args_is_help=True)


def _load(path: Path) -> Registry:
    from common.claims import load_registry

    try:
        return load_registry(path)
    except RegistryError as error:
        err_console.print(f"[red]Sổ đăng ký không hợp lệ:[/red] {error}", markup=True, soft_wrap=True)
        raise typer.Exit(2) from error


@claims_app.command("list")
def claims_list(file: FileOption = DEFAULT_CLAIMS_FILE) -> None:
    """Liệt kê các tin đồn đã được bác bỏ."""
    registry = _load(file)
    table = Table(title=f"Tin đồn đã bác bỏ (phiên bản {registry.version}, {len(registry.claims)} mục)")
    table.add_column("Mã", no_wrap=True)
    table.add_column("Chủ đề", no_wrap=True)
    table.add_column("Ngày", no_wrap=True)
    table.add_column("Nội dung tin đồn")
    table.add_column("Số cách diễn đạt", justify="right")
    for claim in registry.claims:
        table.add_row(claim.id, claim.topic.value, claim.date.isoformat(), claim.claim, str(len(claim.paraphrases)))
    console.print(table)


_STANCE_VI = {"spreads": "lan truyền", "questions": "nghi vấn", "refutes": "bác bỏ"}


@claims_app.command("test")
def claims_test(
    text: Annotated[str, typer.Argument(help="Văn bản cần kiểm tra.")],
    file: FileOption = DEFAULT_CLAIMS_FILE,
) -> None:
    """Kiểm tra một văn bản có khớp tin đồn đã biết không (điểm, lập trường, nội dung bác bỏ)."""
    from classifier.claims.matcher import ClaimMatcher

    registry = _load(file)
    matches = ClaimMatcher(registry).match(text)
    if not matches:
        console.print("Không khớp tin đồn nào đã biết.")
        return
    for match in matches:
        claim = registry.get(match.claim_id)
        console.print(f"[bold]{claim.id}[/bold] điểm={match.score:.2f} lập trường={match.stance.value} "
                      f"({_STANCE_VI[match.stance.value]})", soft_wrap=True)
        console.print(f"  Tin đồn: {claim.claim}", soft_wrap=True, markup=False)
        console.print(f"  Bác bỏ ({claim.source.name}): {claim.rebuttal}", soft_wrap=True, markup=False)


@claims_app.command("add")
def claims_add(
    id: Annotated[str, typer.Option("--id", help="Mã (slug), ví dụ: cam-rut-bhxh-mot-lan.")],
    claim: Annotated[str, typer.Option("--claim", help="Nội dung tin đồn sai (tiếng Việt).")],
    rebuttal: Annotated[str, typer.Option("--rebuttal", help="Nội dung bác bỏ chính thức.")],
    source: Annotated[str, typer.Option("--source", help="Đơn vị bác bỏ, ví dụ: BHXH Việt Nam.")],
    date: Annotated[str, typer.Option("--date", help="Ngày bác bỏ (YYYY-MM-DD).")],
    topic: Annotated[str, typer.Option("--topic", help="Chủ đề (một trong 11 topic của common.schema.Topic).")],
    paraphrase: Annotated[list[str], typer.Option("--paraphrase", help="Cách diễn đạt (lặp lại, ít nhất 4).")],
    reference: Annotated[str, typer.Option("--reference", help="Đường dẫn nguồn.")] = "(chưa có đường dẫn)",
    verified: Annotated[bool, typer.Option("--verified/--illustrative",
                                           help="Đường dẫn đã kiểm chứng hay chỉ minh họa.")] = False,
    file: FileOption = DEFAULT_CLAIMS_FILE,
) -> None:
    """Thêm một tin đồn vào sổ đăng ký (kiểm tra hợp lệ trước, tăng version)."""
    from common.claims import add_claim

    new = {"id": id, "claim": claim, "paraphrases": list(paraphrase), "rebuttal": rebuttal,
           "source": {"name": source, "reference": reference, "illustrative": not verified},
           "date": date, "topic": topic}
    try:
        updated = add_claim(file, new)
    except RegistryError as error:
        err_console.print(f"[red]Không thêm được:[/red] {error}", markup=True, soft_wrap=True)
        raise typer.Exit(2) from error
    console.print(f"Đã thêm [bold]{id}[/bold] vào {file} (phiên bản {updated.version}, "
                  f"{len(updated.claims)} mục).", soft_wrap=True)


def register(app: typer.Typer) -> None:
    from classifier.model.cli import register as register_model
    from classifier.training.cli import register as register_training
    from classifier.worker_cli import register as register_worker

    app.add_typer(claims_app, name="claims")
    register_model(app)
    register_training(app)  # train, classify
    register_worker(app)  # classifier (the streaming worker)
