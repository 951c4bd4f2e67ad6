"""Checks of docker/Dockerfile by parsing its instructions (no Docker engine runs here).

Each test guards a mistake that would only show at `docker build` / `docker run` time: a CUDA torch pulled in,
the project installed before torch, the image running as root, a renamed setting or package left out.
"""

from __future__ import annotations

import json
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from common.settings import CONFIG_ENV, Settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
PYPROJECT = ROOT / "pyproject.toml"

TORCH_VERSION = "2.13.0"  # ARCHITECTURE.md §2: the CPU build of this version
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
STATE_DIR = "/var/lib/crisiswatch"


# --- a small Dockerfile parser ----------------------------------------------------------------------------------


@dataclass
class Instruction:
    keyword: str  # upper case
    args: str  # raw text after the keyword, continuations joined
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON array of an exec-form instruction (ENTRYPOINT ["a"]), else None."""
        text = self.args.strip()
        if not text.startswith("["):
            return None
        value = json.loads(text)
        assert isinstance(value, list) and all(isinstance(v, str) for v in value), self
        return value


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions with line continuations joined; comments and parser directives dropped."""
    escape = "\\"
    lines = text.splitlines()
    for raw in lines:  # parser directives come first: `# escape=``
        match = re.match(r"#\s*escape\s*=\s*(\S)", raw.strip())
        if match:
            escape = match.group(1)
        if not raw.strip().startswith("#"):
            break
    instructions: list[Instruction] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(lines, 1):
        stripped = raw.strip()
        if stripped.startswith("#") or (not stripped and not buffer):
            continue  # comment lines are also dropped inside a continued instruction
        if not buffer:
            start = number
        if stripped.endswith(escape):
            buffer.append(stripped[:-1])
            continue
        buffer.append(stripped)
        joined = " ".join(part.strip() for part in buffer if part.strip())
        buffer = []
        keyword, _, args = joined.partition(" ")
        if "<<" in args and keyword.upper() in {"RUN", "COPY"}:
            raise AssertionError(f"line {start}: heredocs are not supported by this test parser")
        instructions.append(Instruction(keyword.upper(), args.strip(), start))
    assert not buffer, "Dockerfile ends inside a continued line"
    return instructions


def stages(instructions: list[Instruction]) -> list[Stage]:
    result: list[Stage] = []
    for instruction in instructions:
        if instruction.keyword == "FROM":
            tokens = [t for t in instruction.args.split() if not t.startswith("--")]
            name = tokens[2] if len(tokens) == 3 and tokens[1].upper() == "AS" else None
            result.append(Stage(tokens[0], name))
        elif instruction.keyword in {"ARG"} and not result:
            continue  # global ARG before the first FROM
        else:
            assert result, f"line {instruction.line}: {instruction.keyword} before FROM"
            result[-1].instructions.append(instruction)
    return result


def shell_commands(run: Instruction) -> list[list[str]]:
    """The simple commands of a shell-form RUN, split on && ; || and tokenized."""
    form = run.exec_form()
    if form is not None:
        return [form]
    return [shlex.split(part) for part in re.split(r"&&|\|\||;|\|", run.args) if part.strip()]


def pip_installs(stage: Stage) -> list[tuple[int, list[str]]]:
    """(index of the RUN in the stage, argument list after `pip install`) for every pip install."""
    found = []
    for index, instruction in enumerate(stage.instructions):
        if instruction.keyword != "RUN":
            continue
        for command in shell_commands(instruction):
            words = command[:]
            if words[:3] in (["python", "-m", "pip"], ["python3", "-m", "pip"]):
                words = ["pip"] + words[3:]
            if len(words) >= 2 and Path(words[0]).name in {"pip", "pip3"} and words[1] == "install":
                found.append((index, words[2:]))
    return found


def option(args: list[str], name: str) -> list[str]:
    """Values of a pip option given as `--name value` or `--name=value`."""
    values = []
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            values.append(args[i + 1])
        elif arg.startswith(name + "="):
            values.append(arg.split("=", 1)[1])
    return values


def positional(args: list[str]) -> list[str]:
    with_value = {"--index-url", "-i", "--extra-index-url", "--constraint", "-c", "--requirement", "-r",
                  "--find-links", "-f", "--target", "-t", "--prefix", "--root"}
    result, skip = [], False
    for arg in args:
        if skip:
            skip = False
        elif arg in with_value:
            skip = True
        elif not arg.startswith("-"):
            result.append(arg)
    return result


def env_pairs(instruction: Instruction) -> dict[str, str]:
    tokens = shlex.split(instruction.args)
    if tokens and "=" not in tokens[0]:  # legacy form: ENV KEY value
        return {tokens[0]: " ".join(tokens[1:])}
    return dict(token.split("=", 1) for token in tokens)


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def instructions() -> list[Instruction]:
    return parse_dockerfile(DOCKERFILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def all_stages(instructions) -> list[Stage]:
    return stages(instructions)


@pytest.fixture(scope="module")
def final(all_stages) -> Stage:
    return all_stages[-1]


@pytest.fixture(scope="module")
def pyproject() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def install_stage(all_stages: list[Stage], final: Stage) -> Stage:
    """The stage whose files reach the final image: the final stage or one it copies from."""
    names = {s.name: s for s in all_stages if s.name}
    sources = [final]
    for copy in final.all("COPY"):
        match = re.search(r"--from=(\S+)", copy.args)
        if match and match.group(1) in names:
            sources.append(names[match.group(1)])
    with_torch = [s for s in sources if any("torch" in " ".join(a) for _, a in pip_installs(s))]
    assert len(with_torch) == 1, "torch must be installed in exactly one stage that reaches the final image"
    return with_torch[0]


# --- tests ------------------------------------------------------------------------------------------------------


def test_parser_reads_continuations_and_exec_forms():
    parsed = parse_dockerfile(
        "# syntax=docker/dockerfile:1\nFROM python:3.11-slim AS b\n# c\nRUN a \\\n  # inner comment\n  && b\n"
        'ENTRYPOINT ["x", "y"]\n'
    )
    assert [i.keyword for i in parsed] == ["FROM", "RUN", "ENTRYPOINT"]
    assert parsed[1].args == "a && b"
    assert parsed[2].exec_form() == ["x", "y"]
    assert shell_commands(parsed[1]) == [["a"], ["b"]]


def test_every_base_image_is_python_3_11_slim(all_stages, pyproject):
    stage_names = {s.name for s in all_stages if s.name}
    bases = [s.image for s in all_stages if s.image not in stage_names]
    assert bases, "no FROM"
    for image in bases:
        assert re.fullmatch(r"python:3\.11(\.\d+)?-slim(-[a-z]+)?(@sha256:[0-9a-f]{64})?", image), image
    # Keep in step with the Python the project declares.
    assert "3.11" in pyproject["project"]["requires-python"]


def test_torch_cpu_is_installed_before_the_project(all_stages, final):
    stage = install_stage(all_stages, final)
    installs = pip_installs(stage)
    torch = [(i, a) for i, a in installs if any(p.startswith("torch==") for p in positional(a))]
    assert len(torch) == 1, f"expected one `pip install torch==...`, found {torch}"
    torch_index, torch_args = torch[0]
    pins = [p for p in positional(torch_args) if p.startswith("torch==")]
    assert pins == [f"torch=={TORCH_VERSION}"] or pins == [f"torch=={TORCH_VERSION}+cpu"], pins
    assert option(torch_args, "--index-url") == [TORCH_CPU_INDEX] or option(torch_args, "-i") == [TORCH_CPU_INDEX]
    # An extra index (PyPI) next to the CPU index would let pip pick the CUDA wheel.
    assert not option(torch_args, "--extra-index-url"), "torch must come from the CPU index only"

    project = [
        (i, a) for i, a in installs if any(p in {".", "/src"} or p.startswith(("./", "/src")) for p in positional(a))
    ]
    assert len(project) == 1, f"expected one `pip install .` of the project, found {project}"
    project_index, project_args = project[0]
    assert "-e" not in project_args and "--editable" not in project_args, "an editable install needs the source"
    assert torch_index < project_index, "torch must be installed BEFORE the project"
    # The project install is constrained to the torch already there, so no dependency swaps in a CUDA torch.
    constraints = option(project_args, "--constraint") + option(project_args, "-c")
    assert constraints, "pip install of the project must use the torch constraint"
    torch_run = stage.instructions[torch_index].args
    assert all(c in torch_run for c in constraints), "the torch constraint must be written where torch is installed"


def test_final_stage_runs_as_a_non_root_user(final):
    users = final.all("USER")
    assert users, "the final stage has no USER: the container would run as root"
    user = users[-1].args.split(":")[0].strip()
    group = users[-1].args.split(":")[1].strip() if ":" in users[-1].args else None
    assert user not in {"root", "0"} and group not in {"root", "0"}, users[-1]
    # The user must exist in the image: created by useradd (by name, or with that --uid).
    created = " ".join(i.args for i in final.all("RUN"))
    assert re.search(r"\buseradd\b", created), "no useradd in the final stage"
    if user.isdigit():
        assert re.search(rf"--uid\s+{user}\b", created), f"uid {user} is not the uid of the created user"
    else:
        assert re.search(rf"\buseradd\b[^&;]*\b{re.escape(user)}\s*($|&&|;)", created), user
    # Nothing after the last USER switches back to root.
    last_user = final.instructions.index(users[-1])
    assert not [i for i in final.instructions[last_user:] if i.keyword == "RUN"], "RUN after USER: set USER last"


def test_entrypoint_is_the_crisiswatch_console_script(final, pyproject):
    entrypoints = final.all("ENTRYPOINT")
    assert entrypoints, "no ENTRYPOINT"
    form = entrypoints[-1].exec_form()
    assert form == ["crisiswatch"], f"ENTRYPOINT must be the exec form [\"crisiswatch\"], got {entrypoints[-1].args}"
    assert "crisiswatch" in pyproject["project"]["scripts"], "pyproject no longer declares the crisiswatch script"
    # The console script lives in the venv: it must be on PATH in the final stage.
    path = "".join(env_pairs(i).get("PATH", "") for i in final.all("ENV"))
    venv_copies = [c for c in final.all("COPY") if "--from=" in c.args]
    venv_dirs = [c.args.split()[-1] for c in venv_copies]
    assert any(f"{d.rstrip('/')}/bin" in path.split(":") for d in venv_dirs), (path, venv_dirs)


def test_state_dir_is_a_writable_volume(final):
    env: dict[str, str] = {}
    for instruction in final.all("ENV"):
        env.update(env_pairs(instruction))
    assert env.get("CRISISWATCH_STATE_DIR") == STATE_DIR
    volumes = []
    for instruction in final.all("VOLUME"):
        volumes += instruction.exec_form() or instruction.args.split()
    assert STATE_DIR in volumes, "the state directory must be declared as a VOLUME"
    # Created and owned by the unprivileged user BEFORE the VOLUME (a volume keeps the image's ownership).
    runs = " ".join(i.args for i in final.all("RUN"))
    assert re.search(rf"(install\s+-d\s+-o\s+\S+[^&;]*|chown\s+[^&;]*){re.escape(STATE_DIR)}", runs), runs


def test_every_crisiswatch_env_in_the_image_is_a_setting(all_stages):
    fields = {f"CRISISWATCH_{name.upper()}" for name in Settings.model_fields} | {CONFIG_ENV}
    for stage in all_stages:
        for instruction in stage.all("ENV") + stage.all("ARG"):
            for key in env_pairs(instruction):
                if key.startswith("CRISISWATCH_"):
                    assert key in fields, f"line {instruction.line}: {key} is not a field of Settings"


def test_copies_every_package_and_nothing_wholesale(all_stages, final, pyproject):
    stage = install_stage(all_stages, final)
    sources: set[str] = set()
    for copy in stage.all("COPY") + stage.all("ADD"):
        if "--from=" in copy.args:
            continue
        parts = [p for p in (copy.exec_form() or copy.args.split()) if not p.startswith("--")]
        sources.update(p.rstrip("/") for p in parts[:-1])
    assert not sources & {".", "./", "*"}, "COPY . would put local secrets (docker/.env) and .venv into the image"
    assert "pyproject.toml" in sources
    packages = {p.rstrip("*").split(".")[0] for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]}
    missing = sorted(p for p in packages if p not in sources and (ROOT / p).is_dir())
    assert not missing, f"packages of pyproject.toml not copied into the image: {missing}"
    for source in sources:
        if not any(ch in source for ch in "*?["):
            assert (ROOT / source).exists(), f"COPY {source}: no such path in the build context (repo root)"
