"""Checks of docker/docker-compose.yml: schema, and that it stays in step with the code (no Docker engine here).

The schema is the Compose Specification JSON schema shipped in the PyPI package docker-compose==1.29.2
(Apache-2.0; see COMPOSE_SPEC_SOURCE.md beside this file), so validation needs no network.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
import shlex
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
import yaml

from common.settings import CONFIG_ENV, Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_DIR = ROOT / "docker"
COMPOSE_FILE = COMPOSE_DIR / "docker-compose.yml"
ENV_EXAMPLE = COMPOSE_DIR / ".env.example"
SCHEMA_FILE = Path(__file__).with_name("compose_spec.json")
DOCKERFILE = COMPOSE_DIR / "Dockerfile"
STATE_DIR = "/var/lib/crisiswatch"

# The `crisiswatch` subcommands that exist when crisiswatch.cli is not importable yet (it is written concurrently).
# Once crisiswatch.cli exists, the Typer app itself is introspected and this list is not used.
KNOWN_COMMANDS: dict[str, set[str] | None] = {
    "broker": None,
    "topics": {"create", "list", "lag"},
    "inspect": None,
    "settings": None,
    "run": None,
}

# Settings every application service must set (the brief of docker/: one image, real Kafka/ES/PostgreSQL).
REQUIRED_APP_SETTINGS = {
    "CRISISWATCH_KAFKA_BOOTSTRAP_SERVERS",
    "CRISISWATCH_ELASTICSEARCH_URL",
    "CRISISWATCH_ELASTICSEARCH_USERNAME",
    "CRISISWATCH_ELASTICSEARCH_PASSWORD",
    "CRISISWATCH_SEARCH_BACKEND",
    "CRISISWATCH_DATABASE_URL",
    "CRISISWATCH_STATE_DIR",
}

SECRET_KEY = re.compile(r"(PASSWORD|SECRET|TOKEN|API_KEY|HASH_KEY|PRIVATE_KEY)$")


# --- Compose variable interpolation (the subset of the spec: $$, $VAR, ${VAR}, ${VAR:-d}, ${VAR-d}, ${VAR:?e}, …) --

_REF = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


def references(text: str) -> list[tuple[str, str | None, str]]:
    """(name, operator or None, argument) of every variable reference; `$$` is an escape, not a reference."""
    result = []
    for match in _REF.finditer(text):
        if match.group(1):
            continue
        name = match.group(2) or match.group(5)
        result.append((name, match.group(3), match.group(4) or ""))
    return result


def interpolate(text: str, env: dict[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        if match.group(1):
            return "$"
        name = match.group(2) or match.group(5)
        op, arg = match.group(3), match.group(4) or ""
        value = env.get(name)
        if op == ":-":
            return value if value else arg
        if op == "-":
            return arg if value is None else value
        if op in (":?", "?") and (value is None or (op == ":?" and not value)):
            raise KeyError(f"{name}: {arg}")
        if op == ":+":
            return arg if value else ""
        if op == "+":
            return arg if value is not None else ""
        if value is None:
            raise KeyError(f"{name} is not set and has no default")
        return value

    return _REF.sub(substitute, text)


def interpolate_tree(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, str):
        return interpolate(node, env)
    if isinstance(node, list):
        return [interpolate_tree(v, env) for v in node]
    if isinstance(node, dict):
        return {k: interpolate_tree(v, env) for k, v in node.items()}
    return node


def strings(node: Any):
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)


def read_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not KEY=VALUE: {line}"
        env[key.strip()] = value.strip()
    return env


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, None) for item in env)
    return {k: (None if v is None else str(v)) for k, v in env.items()}


def as_argv(command: str | list[str] | None) -> list[str]:
    if command is None:
        return []
    return shlex.split(command) if isinstance(command, str) else list(command)


def depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def named_volumes(service: dict) -> list[tuple[str, str]]:
    """(volume name, container path) of named-volume mounts (bind mounts start with . / or ~)."""
    result = []
    for volume in service.get("volumes") or []:
        if isinstance(volume, str):
            parts = volume.split(":")
            if len(parts) >= 2 and not parts[0].startswith((".", "/", "~", "$")):
                result.append((parts[0], parts[1]))
        elif volume.get("type", "volume") == "volume" and volume.get("source"):
            result.append((volume["source"], volume["target"]))
    return result


def size_bytes(text: str) -> int:
    match = re.fullmatch(r"(\d+)\s*([kmg]?)b?", text.strip().lower())
    assert match, f"not a size: {text}"
    return int(match.group(1)) * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[match.group(2)]


def heap(java_opts: str) -> tuple[int, int]:
    xms = re.search(r"-Xms(\S+)", java_opts)
    xmx = re.search(r"-Xmx(\S+)", java_opts)
    assert xms and xmx, f"heap not limited: {java_opts}"
    return size_bytes(xms.group(1)), size_bytes(xmx.group(1))


# --- fixtures ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def raw() -> dict:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict) and data.get("services"), "no services"
    return data


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return read_env_file(ENV_EXAMPLE)


def required_variables(raw: dict) -> set[str]:
    """Variables the compose file references without a default (docker/.env must set them)."""
    return {name for text in strings(raw) for name, op, _ in references(text) if op not in (":-", "-", ":+", "+")}


@pytest.fixture(scope="module", params=["env-example", "defaults"])
def compose(request, raw, env_example) -> dict:
    """The compose file as Compose sees it once docker/.env fills the ${VAR} references: with the whole
    .env.example, and with only its required variables (so the defaults written in the compose file are checked)."""
    if request.param == "defaults":
        env = {k: v for k, v in env_example.items() if k in required_variables(raw)}
    else:
        env = env_example
    return interpolate_tree(raw, env)


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def app_services(services) -> dict[str, dict]:
    """Services that run the crisiswatch image built by docker/Dockerfile."""
    app = {}
    for name, service in services.items():
        build = service.get("build")
        if not isinstance(build, dict):
            continue
        dockerfile = COMPOSE_DIR / build.get("context", ".") / build.get("dockerfile", "Dockerfile")
        if dockerfile.resolve() == DOCKERFILE:
            app[name] = service
    assert app, "no service builds docker/Dockerfile"
    images = {s.get("image") for s in app.values()}
    others = {n for n, s in services.items() if s.get("image") in images and n not in app}
    assert not others, f"services run the app image without its build section: {others}"
    return app


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def validate(document: dict, schema: dict) -> None:
    jsonschema.Draft201909Validator(schema).validate(document)


# --- schema -----------------------------------------------------------------------------------------------------


def test_interpolation_helper():
    env = {"A": "1", "EMPTY": ""}
    assert interpolate("x${A}y$A$$A", env) == "x1y1$A"
    assert interpolate("${B:-d} ${EMPTY:-d} ${EMPTY-d}", env) == "d d "
    with pytest.raises(KeyError):
        interpolate("${B:?missing}", env)
    with pytest.raises(KeyError):
        interpolate("${B}", env)
    assert [r[0] for r in references("$${NOT} ${A:?e} $B")] == ["A", "B"]


def test_compose_file_validates_against_the_compose_spec(raw, compose, schema):
    jsonschema.Draft201909Validator.check_schema(schema)
    validate(raw, schema)
    validate(compose, schema)


def _first(c: dict) -> dict:
    return next(iter(c["services"].values()))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda c: _first(c).__setitem__("imgae", "apache/kafka"),
        lambda c: _first(c).__setitem__("restart", False),  # YAML `restart: no` unquoted is a boolean
        lambda c: _first(c).__setitem__("depends_on", {"kafka": {"condition": "healthy"}}),
        lambda c: c.__setitem__("service", {}),
        lambda c: _first(c).__setitem__("healthcheck", {"test": ["CMD", "true"], "intervall": "5s"}),
    ],
    ids=["unknown-service-key", "restart-boolean", "bad-condition", "unknown-top-level-key", "bad-healthcheck-key"],
)
def test_schema_rejects_real_mistakes(raw, schema, mutate):
    broken = copy.deepcopy(raw)
    mutate(broken)
    with pytest.raises(jsonschema.ValidationError):
        validate(broken, schema)


# --- keep in step with the code ---------------------------------------------------------------------------------


def test_every_crisiswatch_variable_is_a_setting(raw):
    fields = {f"CRISISWATCH_{name.upper()}" for name in Settings.model_fields} | {CONFIG_ENV}
    blocks = [v for k, v in raw.items() if k.startswith("x-") and isinstance(v, dict)]
    blocks += list(raw["services"].values())
    seen = set()
    for block in blocks:
        candidates = [block] + [v for v in block.values() if isinstance(v, dict)]
        for candidate in candidates:
            for key in environment(candidate) if "environment" in candidate else {}:
                if key.startswith("CRISISWATCH_"):
                    seen.add(key)
                    assert key in fields, f"{key} is not a field of common.settings.Settings"
    assert seen, "no CRISISWATCH_ setting found in the compose file"


def test_app_services_set_the_production_settings(app_services):
    for name, service in app_services.items():
        missing = REQUIRED_APP_SETTINGS - set(environment(service))
        assert not missing, f"{name}: missing {sorted(missing)}"


def test_app_environment_is_accepted_by_settings(app_services, monkeypatch):
    for name, service in app_services.items():
        for key in list(os.environ):
            if key.startswith("CRISISWATCH_"):
                monkeypatch.delenv(key)
        for key, value in environment(service).items():
            monkeypatch.setenv(key, value)
        settings = Settings()
        assert settings.search_backend == "elasticsearch", name
        assert not settings.embedded_broker, f"{name}: would start the embedded broker instead of Kafka"
        assert settings.bootstrap_servers == "kafka:9092", name
        assert str(settings.state_dir) == STATE_DIR, name
        url = settings.database_url.get_secret_value()
        assert url.startswith("postgresql+psycopg://"), f"{name}: {url.split('@')[-1]}"
        assert settings.elasticsearch_password is not None and settings.elasticsearch_password.get_secret_value()
        assert settings.pii_hash_key is not None, f"{name}: replicas would each create their own PII key"


def cli_commands() -> dict[str, set[str] | None]:
    """{subcommand: its subcommands or None} of the real CLI, or KNOWN_COMMANDS if crisiswatch.cli is missing."""
    try:
        module = importlib.import_module("crisiswatch.cli")
    except ModuleNotFoundError as error:
        if error.name != "crisiswatch.cli":
            raise  # the CLI exists but is broken: that must fail, not fall back
        warnings.warn("crisiswatch.cli does not exist yet: checking against KNOWN_COMMANDS", stacklevel=1)
        return KNOWN_COMMANDS
    import typer  # Typer >= 0.2x vendors its own click: use the groups' `commands` mapping, not click types

    group = typer.main.get_command(module.app)
    assert isinstance(getattr(group, "commands", None), dict), "the crisiswatch CLI has no subcommands"
    commands: dict[str, set[str] | None] = {}
    for name, command in group.commands.items():
        sub = getattr(command, "commands", None)
        commands[name] = set(sub) if isinstance(sub, dict) else None
    return commands


def test_app_commands_are_real_crisiswatch_subcommands(app_services):
    commands = cli_commands()
    for name, service in app_services.items():
        assert "entrypoint" not in service, f"{name}: keep the image's ENTRYPOINT [\"crisiswatch\"]"
        argv = as_argv(service.get("command"))
        assert argv, f"{name}: no command (the image would only print --help)"
        assert argv[0] in commands, f"{name}: `crisiswatch {argv[0]}` is not a subcommand ({sorted(commands)})"
        subcommands = commands[argv[0]]
        if subcommands is not None:
            assert len(argv) > 1 and argv[1] in subcommands, (
                f"{name}: `crisiswatch {' '.join(argv[:2])}` is not a subcommand ({sorted(subcommands)})"
            )


def test_cli_check_itself_catches_a_wrong_command():
    commands = cli_commands()
    assert "no-such-stage" not in commands
    assert commands.get("topics") and "create" in commands["topics"]


def test_app_services_use_one_image_built_from_the_repo_root(app_services):
    assert len({s["image"] for s in app_services.values()}) == 1, "app services must share ONE image"
    for name, service in app_services.items():
        context = (COMPOSE_DIR / service["build"]["context"]).resolve()
        assert context == ROOT, f"{name}: build context must be the repository root, got {context}"
        assert (context / service["build"]["dockerfile"]).resolve() == DOCKERFILE


def templates(compose: dict) -> dict[str, dict]:
    """`x-` extension blocks that are service templates (merged into services with `<<:`)."""
    return {k: v for k, v in compose.items() if k.startswith("x-") and isinstance(v, dict) and "image" in v}


def test_service_templates_are_valid_services(compose, schema, services):
    """A template no service uses yet (the stage services come later) must still be a valid, runnable service."""
    found = templates(compose)
    assert found, "expected the x-crisiswatch-app template"
    for name, template in found.items():
        validate({"services": {"template": template}}, schema)
        missing = REQUIRED_APP_SETTINGS - set(environment(template))
        assert not missing, f"{name}: missing {sorted(missing)}"


# --- dependencies, health, volumes ------------------------------------------------------------------------------


def test_depends_on_targets_exist_and_are_healthchecked(services, compose):
    for name, service in {**services, **templates(compose)}.items():
        for target, condition in depends_on(service).items():
            assert target in services, f"{name} depends on unknown service {target}"
            assert target != name
            if condition == "service_healthy":
                check = services[target].get("healthcheck")
                assert check and check.get("test") and not check.get("disable"), (
                    f"{name} waits for {target} to be healthy, but {target} has no healthcheck"
                )
            if condition == "service_completed_successfully":
                assert services[target].get("restart", "no") in {"no", "on-failure"}, (
                    f"{target} must run once and exit: {name} waits for it to complete"
                )


def test_app_services_wait_for_healthy_backends(app_services, compose):
    for name, service in {**app_services, **templates(compose)}.items():
        deps = depends_on(service)
        assert deps.get("kafka") == "service_healthy", f"{name} must wait for a healthy Kafka"
        if name != "topics-init":  # the one-shot topic creation needs only Kafka
            for backend in ("elasticsearch", "postgres"):
                assert deps.get(backend) == "service_healthy", f"{name} must wait for a healthy {backend}"
            assert deps.get("topics-init") == "service_completed_successfully", f"{name} must wait for the topics"


def test_dependency_graph_has_no_cycle(services):
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == "done":
            return
        assert state.get(node) != "active", f"depends_on cycle: {' -> '.join(path + [node])}"
        state[node] = "active"
        for target in depends_on(services[node]):
            visit(target, path + [node])
        state[node] = "done"

    for name in services:
        visit(name, [])


def test_every_named_volume_is_declared_and_used(compose, services):
    declared = set(compose.get("volumes") or {})
    used = {volume for service in services.values() for volume, _ in named_volumes(service)}
    assert used <= declared, f"named volumes used but not declared: {sorted(used - declared)}"
    assert declared <= used, f"volumes declared but never mounted: {sorted(declared - used)}"


def test_app_state_dir_is_a_named_volume(app_services):
    for name, service in app_services.items():
        mounts = {path: volume for volume, path in named_volumes(service)}
        state_dir = environment(service)["CRISISWATCH_STATE_DIR"]
        assert state_dir == STATE_DIR
        assert state_dir in mounts, f"{name}: {state_dir} is not on a named volume; state would be lost"


def test_infrastructure_images_are_pinned(services, app_services):
    for name, service in services.items():
        if name in app_services:
            continue
        image = service.get("image", "")
        tag = image.rsplit("/", 1)[-1].partition(":")[2]
        assert tag and tag != "latest", f"{name}: pin the image version ({image})"


# --- secrets ----------------------------------------------------------------------------------------------------


def is_required_reference(value: str) -> bool:
    """True if value is exactly one ${VAR} / ${VAR:?err} / ${VAR?err} reference: no default, no literal text."""
    match = _REF.fullmatch(value.strip())
    return bool(match) and not match.group(1) and match.group(3) in (None, ":?", "?")


def url_password(value: str) -> str | None:
    """The raw password part of a URL whose parts may be ${VAR} references (which may contain : or @)."""
    refs: list[str] = []

    def mask(match: re.Match) -> str:
        refs.append(match.group(0))
        return f"\x00{len(refs) - 1}\x00"

    masked = _REF.sub(mask, value)
    if "://" not in masked:
        return None
    userinfo, at, _ = masked.split("://", 1)[1].rpartition("@")
    if not at or ":" not in userinfo:
        return None
    secret = userinfo.split(":", 1)[1]
    return re.sub("\x00(\\d+)\x00", lambda m: refs[int(m.group(1))], secret)


def test_no_secret_is_hard_coded(raw):
    blocks = [v for k, v in raw.items() if k.startswith("x-") and isinstance(v, dict)]
    blocks += list(raw["services"].values())
    checked = 0
    for block in blocks:
        candidates = [block] + [v for v in block.values() if isinstance(v, dict)]
        for candidate in candidates:
            if "environment" not in candidate:
                continue
            for key, value in environment(candidate).items():
                if SECRET_KEY.search(key):
                    checked += 1
                    assert value is not None and is_required_reference(value), (
                        f"{key} must come from docker/.env as ${{VAR}} without a default, got {value!r}"
                    )
                password = url_password(value) if value else None
                if password is not None:
                    checked += 1
                    assert is_required_reference(password), f"{key}: the password in the URL is hard-coded"
    assert checked >= 4, "expected the Elasticsearch, PostgreSQL and PII secrets to be checked"
    # Credentials inside commands (healthchecks, command lines): `-u user:password` and `scheme://user:password@`.
    for text in strings(raw):
        for password in inline_passwords(text):
            assert password.startswith("$"), f"hard-coded credential in {text!r}"


def inline_passwords(text: str) -> list[str]:
    """Passwords written into a command: `-u user:pw`, `--user user:pw`, `scheme://user:pw@host`."""
    found = re.findall(r"(?:^|\s)(?:-u|--user)[\s=]+[\"']?[^:\s\"']+:([^\s\"']+)", text)
    password = url_password(text) if "://" in text else None
    if password is not None:
        found.append(password)
    return found


def test_secret_check_catches_hard_coded_values():
    assert is_required_reference("${ELASTIC_PASSWORD:?set it}")
    assert is_required_reference("${ELASTIC_PASSWORD}")
    assert not is_required_reference("changeme")
    assert not is_required_reference("${ELASTIC_PASSWORD:-changeme}")
    assert not is_required_reference("x${ELASTIC_PASSWORD}")
    assert not is_required_reference("$${ELASTIC_PASSWORD}")
    assert url_password("postgresql+psycopg://${U:-u}:${P:?set P}@db/x") == "${P:?set P}"
    assert url_password("postgresql+psycopg://u:hunter2@db/x") == "hunter2"
    assert url_password("http://elasticsearch:9200") is None
    assert inline_passwords('curl -fsS -u "elastic:hunter2" http://x') == ["hunter2"]
    assert inline_passwords('curl -fsS -u "elastic:$${ELASTIC_PASSWORD}" http://x') == ["$${ELASTIC_PASSWORD}"]
    assert inline_passwords("psql postgresql://u:pw@db/x") == ["pw"]


def test_env_example_lists_every_variable_with_placeholder_secrets(raw, env_example):
    required = required_variables(raw)
    optional = {name for text in strings(raw) for name, _, _ in references(text)} - required
    missing = required - set(env_example)
    assert not missing, f"docker/.env.example lacks required variables: {sorted(missing)}"
    unused = set(env_example) - required - optional - {"COMPOSE_PROJECT_NAME"}
    assert not unused, f"docker/.env.example has variables the compose file never uses: {sorted(unused)}"
    for key, value in env_example.items():
        if SECRET_KEY.search(key):
            assert "change-me" in value, f"{key} in .env.example must be a placeholder, not a real secret"
    gitignore = (COMPOSE_DIR / ".gitignore").read_text(encoding="utf-8").split()
    assert ".env" in gitignore, "docker/.env (real secrets) must be git-ignored"


# --- backing services -------------------------------------------------------------------------------------------


def test_kafka_runs_kraft_reachable_as_kafka_9092(services, app_services, env_example):
    assert not [n for n, s in services.items() if "zookeeper" in (n + s.get("image", "")).lower()], "no ZooKeeper"
    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:"), "use the official apache/kafka image"
    env = environment(kafka)
    assert "KAFKA_ZOOKEEPER_CONNECT" not in env
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert env.get("CLUSTER_ID"), "KRaft needs a CLUSTER_ID to format the storage"
    node_id = str(env["KAFKA_NODE_ID"])
    controller = env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    protocol_map = dict(item.split(":") for item in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    listeners = {item.split("://")[0]: item.split("://")[1] for item in env["KAFKA_LISTENERS"].split(",")}
    assert controller in protocol_map and controller in listeners
    voters = env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    controller_port = listeners[controller].rsplit(":", 1)[1]
    assert f"{node_id}@kafka:{controller_port}" in voters, (voters, node_id, controller_port)
    advertised = {item.split("://")[1] for item in env["KAFKA_ADVERTISED_LISTENERS"].split(",")}
    for name, service in app_services.items():
        for server in environment(service)["CRISISWATCH_KAFKA_BOOTSTRAP_SERVERS"].split(","):
            assert server in advertised, f"{name}: {server} is not an advertised Kafka listener {advertised}"
    mounts = {path for _, path in named_volumes(kafka)}
    assert env["KAFKA_LOG_DIRS"] in mounts, "Kafka's log dir must be on a named volume"
    assert kafka.get("healthcheck")
    xms, xmx = heap(env["KAFKA_HEAP_OPTS"])
    assert xms == xmx and 2 * xmx <= size_bytes(kafka["mem_limit"])


def test_elasticsearch_8_single_node_with_security(services, raw, app_services):
    es = services["elasticsearch"]
    repo, _, tag = es["image"].rpartition(":")
    assert repo == "docker.elastic.co/elasticsearch/elasticsearch" and tag.split(".")[0] == "8", es["image"]
    env = environment(es)
    assert env.get("xpack.security.enabled") == "true", "Elasticsearch security must be ON"
    assert env.get("discovery.type") == "single-node"
    raw_env = environment(raw["services"]["elasticsearch"])
    assert is_required_reference(raw_env["ELASTIC_PASSWORD"]), "ELASTIC_PASSWORD must come from docker/.env"
    xms, xmx = heap(env["ES_JAVA_OPTS"])
    assert xms == xmx, "Elasticsearch heap: Xms must equal Xmx"
    assert 2 * xmx <= size_bytes(es["mem_limit"]), "the heap must be at most half the container memory"
    assert es.get("healthcheck", {}).get("test")
    assert any(path == "/usr/share/elasticsearch/data" for _, path in named_volumes(es))
    https = env.get("xpack.security.http.ssl.enabled") == "true"
    password_ref = raw_env["ELASTIC_PASSWORD"]
    for name, service in app_services.items():
        app_env = environment(service)
        url = urlsplit(app_env["CRISISWATCH_ELASTICSEARCH_URL"])
        assert (url.scheme, url.hostname, url.port) == ("https" if https else "http", "elasticsearch", 9200), url
        assert app_env["CRISISWATCH_ELASTICSEARCH_USERNAME"] == "elastic"
        raw_app = environment(raw["services"][name])
        assert references(raw_app["CRISISWATCH_ELASTICSEARCH_PASSWORD"])[0][0] == references(password_ref)[0][0], (
            f"{name} logs in as elastic with another password than the one Elasticsearch gets"
        )


def test_postgres_16_with_password_from_env(services, raw, app_services):
    pg = services["postgres"]
    assert re.fullmatch(r"postgres:16([.\-].*)?", pg["image"]), pg["image"]
    raw_env = environment(raw["services"]["postgres"])
    assert is_required_reference(raw_env["POSTGRES_PASSWORD"])
    assert pg.get("healthcheck", {}).get("test")
    assert any(path == "/var/lib/postgresql/data" for _, path in named_volumes(pg))
    env = environment(pg)
    for name, service in app_services.items():
        url = urlsplit(environment(service)["CRISISWATCH_DATABASE_URL"])
        assert url.scheme == "postgresql+psycopg"
        assert (url.hostname, url.port or 5432) == ("postgres", 5432)
        assert url.username == env["POSTGRES_USER"] and url.path == "/" + env["POSTGRES_DB"]
        assert url.password == env["POSTGRES_PASSWORD"], f"{name}: database password differs from PostgreSQL's"
