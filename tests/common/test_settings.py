"""Settings: env vars with the CRISISWATCH_ prefix, an optional TOML file, embedded defaults, no leaked secrets."""

import pytest
from pydantic import ValidationError

from common.settings import Settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(__import__("os").environ):
        if name.startswith("CRISISWATCH_"):
            monkeypatch.delenv(name)


def test_defaults_select_the_embedded_stack():
    settings = Settings()
    assert settings.embedded_broker
    assert settings.bootstrap_servers == "127.0.0.1:19092"
    assert settings.search_backend == "tantivy"
    assert settings.database_url.get_secret_value().startswith("sqlite:///")
    assert (settings.topic_raw, settings.topic_classified, settings.topic_dlq) == (
        "mentions.raw", "mentions.classified", "mentions.dlq")


def test_environment_overrides_and_production_endpoints(monkeypatch):
    monkeypatch.setenv("CRISISWATCH_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    monkeypatch.setenv("CRISISWATCH_ELASTICSEARCH_URL", "https://es:9200")
    monkeypatch.setenv("CRISISWATCH_DATABASE_URL", "postgresql+psycopg://cw:s3cret@db/cw")
    monkeypatch.setenv("CRISISWATCH_TOPIC_RAW", "bhxh.raw")
    settings = Settings()
    assert not settings.embedded_broker
    assert settings.kafka_client_config()["bootstrap_servers"] == ["kafka-1:9092", "kafka-2:9092"]
    assert settings.elasticsearch_url == "https://es:9200"
    assert settings.topic_raw == "bhxh.raw"


def test_config_file_is_read_and_env_wins(monkeypatch, tmp_path):
    config = tmp_path / "crisiswatch.toml"
    config.write_text('topic_dlq = "bhxh.dlq"\nbroker_port = 29092\n', encoding="utf-8")
    monkeypatch.setenv("CRISISWATCH_CONFIG", str(config))
    monkeypatch.setenv("CRISISWATCH_BROKER_PORT", "39092")
    settings = Settings()
    assert settings.topic_dlq == "bhxh.dlq"
    assert settings.broker_port == 39092


def test_missing_config_file_says_which(monkeypatch, tmp_path):
    monkeypatch.setenv("CRISISWATCH_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match="nope.toml"):
        Settings()


def test_unknown_setting_in_config_file_is_an_error(monkeypatch, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('kafka_bootstrap_server = "typo:9092"\n', encoding="utf-8")
    monkeypatch.setenv("CRISISWATCH_CONFIG", str(config))
    with pytest.raises(ValidationError, match="kafka_bootstrap_server"):
        Settings()


def test_secrets_never_appear_in_dumps_or_reprs(monkeypatch):
    monkeypatch.setenv("CRISISWATCH_ELASTICSEARCH_PASSWORD", "hunter2-es")
    monkeypatch.setenv("CRISISWATCH_DATABASE_URL", "postgresql://cw:pg-pass-42@db/cw")
    monkeypatch.setenv("CRISISWATCH_KAFKA_SASL_PASSWORD", "sasl-pass-7")
    monkeypatch.setenv("CRISISWATCH_PII_HASH_KEY", "pii-key-99")
    settings = Settings()
    shown = repr(settings) + str(settings) + str(settings.redacted())
    for secret in ("hunter2-es", "pg-pass-42", "sasl-pass-7", "pii-key-99"):
        assert secret not in shown
    assert settings.elasticsearch_password.get_secret_value() == "hunter2-es"


def test_pii_key_is_created_once_and_kept(tmp_path):
    first = Settings(state_dir=tmp_path).pii_key()
    assert len(first) == 64
    assert Settings(state_dir=tmp_path).pii_key() == first
    assert (tmp_path / "pii.key").stat().st_mode & 0o777 == 0o600


def test_processes_starting_together_agree_on_one_pii_key(tmp_path):
    import subprocess
    import sys

    code = "from common.settings import Settings; import sys; print(Settings(state_dir=sys.argv[1]).pii_key().decode())"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(6)]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert len(keys) == 1 and len(keys.pop()) == 64
