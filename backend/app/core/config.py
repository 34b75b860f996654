"""Settings: the only code in the project that reads the environment."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from app.core.access import ApiToken, parse_origins, parse_tokens
from app.core.constants import INSTANCE_TTL_SECONDS

# The languages of human-facing text (app.presentation.messages has the catalog).
Language = Literal["en", "ko"]


PACKAGE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SCHEDULES_FILE = PACKAGE_DIR / "config" / "schedules.json"
# The repo's .env and no other: the scripts run from any directory, and a .env that
# happens to be in the caller's working directory must not reconfigure them.
ENV_FILE = PACKAGE_DIR.parent.parent / ".env"
DEFAULT_RUN_DATA_DIR = PACKAGE_DIR.parent.parent / ".data"
SENTINEL_SCHEME = "sentinel"
# Sentinel's own port, when a sentinel:// names none (as kombu assumes too).
SENTINEL_DEFAULT_PORT = 26379


@dataclass(frozen=True)
class SentinelUrl:
    """REDIS_URL as a list of sentinels: `sentinel://[user:password@]host[:port][/db]`
    parts joined by `;`. The primary's credentials and database are the first part's,
    as Celery's broker and result backend read them; later parts may repeat them."""

    nodes: tuple[tuple[str, int], ...]
    db: int
    username: str | None
    password: str | None


def is_sentinel_url(url: str) -> bool:
    return url.strip().lower().startswith(f"{SENTINEL_SCHEME}://")


def parse_sentinel_url(url: str) -> SentinelUrl:
    """The sentinels REDIS_URL lists; ValueError says what is wrong, never a password."""
    parts = [_sentinel_part(number, text) for number, text in enumerate(url.split(";"), 1)]
    first = parts[0]
    for number, part in enumerate(parts[1:], 2):
        # kombu and Celery read the credentials and database of the first part only:
        # a later part saying otherwise would be silently ignored.
        if part.username is not None or part.password is not None:
            if (part.username, part.password) != (first.username, first.password):
                raise ValueError(
                    f"sentinel {number} names other credentials than the first; they are "
                    "read from the first sentinel:// only"
                )
        if part.db_given and part.db != first.db:
            raise ValueError(
                f"sentinel {number} names database {part.db}, the first {first.db}; the "
                "database is read from the first sentinel:// only"
            )
    return SentinelUrl(tuple(part.node for part in parts), first.db, first.username, first.password)


@dataclass(frozen=True)
class _Part:
    node: tuple[str, int]
    username: str | None
    password: str | None
    db: int
    db_given: bool


def _sentinel_part(number: int, text: str) -> _Part:
    text = text.strip()
    where = f"sentinel {number}"
    if not is_sentinel_url(text):
        raise ValueError(f"{where} does not start with sentinel:// (parts are joined by ';')")
    try:
        parts = urlsplit(text)
        port = parts.port or SENTINEL_DEFAULT_PORT
    except ValueError:
        raise ValueError(f"{where} has no valid host:port") from None
    if not parts.hostname:
        raise ValueError(f"{where} names no host")
    path = parts.path.strip("/")
    if path and not path.isdigit():
        raise ValueError(f"{where}: the path must be a database number, like /0")
    if parts.query or parts.fragment:
        raise ValueError(f"{where}: options after '?' are not read; use the REDIS_* settings")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password else None
    db = int(path) if path else 0
    return _Part((parts.hostname, port), username or None, password, db, bool(path))


class Settings(BaseSettings):
    # Environment variables win over ENV_FILE. A refused value is not repeated in the
    # error (./run.sh prints it, tracebacks log it): ALERT_WEBHOOK_URL's is a secret.
    # The error still names the setting and says what is wrong with it.
    model_config = SettingsConfigDict(env_file=ENV_FILE, extra="ignore", hide_input_in_errors=True)

    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Broker, result backend and schedule store. rediss:// and passwords work.",
    )
    timezone: str = Field(default="Asia/Seoul", description="Default timezone of schedules.")
    schedules_file: Path = Field(default=DEFAULT_SCHEDULES_FILE)
    schedules_file_resync_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Beat re-reads schedules.json this often even when it looks unchanged "
        "(recreates file entries lost from Redis).",
    )
    beat_max_loop_interval: float = Field(
        default=1.0,
        gt=0,
        # Below the life of a Beat's instance key, which each tick renews.
        lt=INSTANCE_TTL_SECONDS,
        description="Longest Beat sleep between looks at Redis, in seconds (at most half "
        "of BEAT_LOCK_TIMEOUT).",
    )
    beat_lock_timeout: float = Field(
        default=4.0,
        gt=1,
        description="Seconds after which a silent leader's lock expires and a standby "
        "takes over. The leader renews it every loop (BEAT_MAX_LOOP_INTERVAL) and during "
        "long passes; a leader that stalls longer loses it and sends nothing more.",
    )
    beat_batch_size: int = Field(default=500, ge=1, le=100_000)
    beat_keyspace_notifications: bool = Field(
        default=True,
        description="The leading Beat listens for Redis keyspace notifications on entry "
        "keys, so an entry saved with RedBeat's own API is picked up at once; where Redis "
        "sends none, Beat finds it at its next look (BEAT_MAX_LOOP_INTERVAL).",
    )
    history_enabled: bool = Field(
        default=True,
        description="Record every fire and enforce execution policies (overlap, leases, "
        "lock_key, min_gap). Off: Beat sends as stock RedBeat does and nothing is recorded.",
    )
    history_per_schedule: int = Field(
        default=200, ge=1, le=100_000, description="Run records kept per schedule."
    )
    history_max_age_days: float = Field(
        default=14.0, gt=0, le=3650, description="Run records older than this are dropped."
    )
    history_all_max: int = Field(
        default=10_000,
        ge=1,
        le=1_000_000,
        description="Records kept in the stream that queries across schedules read.",
    )
    metrics_schedule_limit: int = Field(
        default=100,
        ge=0,
        le=10_000,
        description="Schedules whose runs /metrics counts under their own name (the first "
        'to run); the runs of the rest are summed under schedule="_other".',
    )
    audit_per_schedule: int = Field(
        default=100, ge=1, le=10_000, description="Changes kept in each schedule's audit trail."
    )
    audit_deleted_keep_days: float = Field(
        default=30.0,
        gt=0,
        le=3650,
        description="A deleted schedule's audit trail (who deleted it) is kept this long.",
    )
    log_format: Literal["plain", "json"] = Field(
        default="plain",
        description="Log lines of the API, worker and Beat: plain text, or one JSON object "
        "per line (time, level, logger, message, schedule, task_id).",
    )
    run_lease_seconds: float = Field(
        default=60.0,
        ge=3,
        le=86400,
        description="A running task renews its lease every third of this; a run whose "
        "worker died is recorded as lost and frees its schedule this long after.",
    )
    run_stale_seconds: float = Field(
        default=6 * 3600.0,
        gt=0,
        description="A fire still queued or running after this long is taken as lost, "
        "heartbeat or not.",
    )
    retry_backoff_seconds: float = Field(
        default=10.0,
        ge=0,
        le=3000,
        description="First retry delay when a schedule's policy has none; doubles per attempt.",
    )
    alert_consecutive_failures: int = Field(
        default=3,
        ge=1,
        description="A schedule that failed this many times in a row is reported as failing "
        "(status health, check_schedules.sh --check).",
    )
    # --- Alerts (docs/alerts.md): the rules, the rate limit, the webhook's delivery.
    alerts_enabled: bool = Field(
        default=True, description="Detect and deliver alerts (in each worker's main process)."
    )
    alert_webhook_url: SecretStr | None = Field(
        default=None,
        description="Where alerts are POSTed (a Slack incoming webhook, or any receiver of "
        "its JSON); a schedule's policy.alert_webhook_url overrides it. Never logged.",
    )
    alert_link_base_url: str | None = Field(
        default=None,
        description="The API's address as readers of an alert reach it, for the history "
        "link in each alert; unset: http://API_HOST:API_PORT.",
    )
    alert_failed_items: int = Field(
        default=10,
        ge=1,
        description="A run whose result reports this many failed items or more (or all of "
        "them failed) raises an alert; a schedule's policy.alert_failed_items overrides it.",
    )
    alert_long_run_factor: float = Field(
        default=3.0,
        ge=1,
        description="A run is long when it lasts more than this times the p95 of the "
        "schedule's recent successful runs (and at least ALERT_LONG_RUN_MIN_SECONDS).",
    )
    alert_long_run_min_seconds: float = Field(
        default=60.0, gt=0, description="No run shorter than this is ever called long."
    )
    alert_long_run_min_runs: int = Field(
        default=5,
        ge=1,
        description="Successful runs a schedule needs before its usual duration is trusted.",
    )
    alert_scan_seconds: float = Field(
        default=10.0,
        gt=0,
        le=3600,
        description="How often runs still going are checked against their usual duration.",
    )
    alert_rate_limit: int = Field(
        default=5, ge=1, description="Alerts per schedule per ALERT_RATE_WINDOW_SECONDS."
    )
    alert_rate_window_seconds: float = Field(
        default=3600.0, gt=0, description="The rate limit's window (fixed, per schedule)."
    )
    alert_webhook_timeout_seconds: float = Field(
        default=5.0, gt=0, le=120, description="How long one webhook call may take."
    )
    alert_delivery_retries: int = Field(
        default=3, ge=0, le=10, description="Further attempts after a failed webhook call."
    )
    alert_retry_backoff_seconds: float = Field(
        default=1.0, ge=0, le=300, description="Wait before the first retry; doubles each time."
    )
    language: Language = Field(default="en", description="Human-facing text: en or ko.")
    log_level: str = Field(default="INFO")
    api_host: str = Field(default="127.0.0.1")
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_workers: int = Field(
        default=1, ge=1, le=64, description="API server processes sharing API_PORT."
    )
    api_token: str | None = Field(
        default=None,
        description="A token that may change schedules (named `default`); with no write "
        "token (this or API_TOKENS) the API listens on loopback only.",
    )
    # --- Access to the API beyond the one token (docs/security.md).
    api_tokens: SecretStr | None = Field(
        default=None,
        description="Named tokens that may change schedules, `name:token,name:token`; the "
        "audit trail records the name (token:<name>).",
    )
    api_read_tokens: SecretStr | None = Field(
        default=None,
        description="Named read-only tokens, `name:token,...`: reads only, 403 on changes.",
    )
    api_protect_reads: bool = Field(
        default=False,
        description="Reads (the API's GETs, the preview, /metrics) need a token too, of "
        "either kind; /health, the page's shell and /docs stay open.",
    )
    cors_origins: str = Field(
        default="",
        description="Origins allowed to call the API from a browser, comma-separated "
        "(https://ops.example.com); empty: no cross-origin call is allowed.",
    )
    # --- Limits (docs/security.md): beyond one, a 413 or a 422 names it; nothing is written.
    max_body_bytes: int = Field(
        default=65_536,
        ge=1024,
        le=16 * 1024 * 1024,
        description="Largest API request body, in bytes; a larger one gets 413 unread.",
    )
    max_args_bytes: int = Field(
        default=16_384,
        ge=64,
        le=1024 * 1024,
        description="Largest args plus kwargs of one schedule, in bytes of JSON.",
    )
    max_args_depth: int = Field(
        default=10,
        ge=1,
        le=100,
        description="Deepest nesting of lists and objects in args and kwargs.",
    )
    max_schedules: int = Field(
        default=100_000,
        ge=1,
        le=10_000_000,
        description="Most schedules Redis may hold; a create beyond it writes nothing.",
    )
    # --- TLS to Redis (rediss:// URLs; docs/security.md).
    redis_tls_ca_cert: Path | None = Field(
        default=None, description="CA bundle that signs the Redis server's certificate."
    )
    redis_tls_cert: Path | None = Field(
        default=None, description="Client certificate, for a Redis that asks for one."
    )
    redis_tls_key: Path | None = Field(default=None, description="The client certificate's key.")
    redis_tls_verify: Literal["required", "optional", "none"] = Field(
        default="required",
        description="Check the server's certificate: required (default), optional, none.",
    )
    # --- Redis Sentinel (docs/high-availability.md).
    redis_sentinel_master: str | None = Field(
        default=None,
        description="With Sentinel: the monitored primary's name; REDIS_URL then lists the "
        "sentinels (sentinel://host:26379;sentinel://host2:26379/0).",
    )
    redis_sentinel_password: SecretStr | None = Field(
        default=None, description="Password of the sentinels themselves, when they ask for one."
    )
    redis_sentinel_tls: bool = Field(
        default=False,
        description="With Sentinel: TLS to the sentinels and the primary alike (the "
        "REDIS_TLS_* files and checks apply), as rediss:// does for one Redis.",
    )
    worker_concurrency: int = Field(default=4, ge=1)
    redis_port: int = Field(
        default=6379,
        ge=1,
        le=65535,
        description="Port of the Redis that ./run.sh embeds when REDIS_URL is unset or "
        "empty in both the environment and .env (a free one if this one is busy).",
    )
    stop_timeout: float = Field(
        default=20.0,
        ge=0,
        description="Seconds ./run.sh gives each process to finish after SIGTERM, before SIGKILL.",
    )
    run_data_dir: Path = Field(
        default=DEFAULT_RUN_DATA_DIR,
        description="Where ./run.sh keeps its logs, the embedded Redis's data and its pid "
        "file; one ./run.sh at a time per directory.",
    )
    no_color: bool = Field(
        default=False,
        validation_alias="NO_COLOR",
        description="no-color.org: any non-empty value turns the CLI's colour off.",
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r}") from exc
        return value

    @field_validator("alert_webhook_url", "alert_link_base_url", mode="before")
    @classmethod
    def _http_url_or_unset(cls, value: object) -> object:
        # An empty value (ALERT_WEBHOOK_URL= in .env) means unset, not a broken URL.
        if value is None or value == "":
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if not isinstance(text, str) or not text.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("redis_sentinel_master", "redis_sentinel_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `REDIS_SENTINEL_MASTER=` in .env, left empty when Sentinel is not used.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("no_color", mode="before")
    @classmethod
    def _no_color_when_set(cls, value: object) -> object:
        # The convention is "set and not empty", so NO_COLOR=0 disables colour too.
        return value != "" if isinstance(value, str) else value

    def api_token_list(self) -> tuple[ApiToken, ...]:
        """API_TOKEN, API_TOKENS and API_READ_TOKENS parsed (app.core.access)."""
        named = self.api_tokens.get_secret_value() if self.api_tokens else None
        read = self.api_read_tokens.get_secret_value() if self.api_read_tokens else None
        return parse_tokens(self.api_token, named, read)

    def cors_origin_list(self) -> tuple[str, ...]:
        """CORS_ORIGINS parsed and normalised (app.core.access)."""
        return parse_origins(self.cors_origins)

    @model_validator(mode="after")
    def _access_well_formed(self) -> Settings:
        # Refused at start, naming the variable and the entry, never a token; reads that
        # need a token when none exists would shut everyone out.
        self.cors_origin_list()
        if not self.api_token_list() and self.api_protect_reads:
            raise ValueError(
                "API_PROTECT_READS=true needs a token: set API_TOKEN, API_TOKENS or API_READ_TOKENS"
            )
        return self

    @field_validator("redis_tls_ca_cert", "redis_tls_cert", "redis_tls_key", mode="before")
    @classmethod
    def _tls_file_or_unset(cls, value: object) -> object:
        # Checked here, so a wrong path is one clear line at start-up rather than an
        # SSL error from deep inside the first connection of every process.
        if value is None or value == "":
            return None
        if not Path(str(value)).is_file():
            raise ValueError(f"no such file: {value}")
        return value

    def sentinel_url(self) -> SentinelUrl | None:
        """The sentinels REDIS_URL lists, or None for one Redis (redis://, rediss://)."""
        return parse_sentinel_url(self.redis_url) if is_sentinel_url(self.redis_url) else None

    def redis_tls(self) -> bool:
        """TLS to Redis: a rediss:// URL, or sentinels with REDIS_SENTINEL_TLS=true."""
        if is_sentinel_url(self.redis_url):
            return self.redis_sentinel_tls
        return self.redis_url.startswith("rediss://")

    @model_validator(mode="after")
    def _sentinel_well_formed(self) -> Settings:
        # Each refusal names the variable to fix; none repeats a password.
        if not is_sentinel_url(self.redis_url):
            named = [
                name
                for name, value in (
                    ("REDIS_SENTINEL_MASTER", self.redis_sentinel_master),
                    ("REDIS_SENTINEL_PASSWORD", self.redis_sentinel_password),
                    ("REDIS_SENTINEL_TLS", self.redis_sentinel_tls or None),
                )
                if value is not None
            ]
            if named:
                raise ValueError(
                    f"{', '.join(named)} set, but REDIS_URL does not list sentinels; use "
                    "sentinel://host:26379;sentinel://host2:26379/0, or unset them"
                )
            return self
        try:
            self.sentinel_url()
        except ValueError as exc:
            raise ValueError(f"REDIS_URL: {exc}") from None
        if not (self.redis_sentinel_master or "").strip():
            raise ValueError(
                "REDIS_URL lists sentinels, but REDIS_SENTINEL_MASTER is not set: name the "
                "primary they monitor (`sentinel monitor <name> ...` in their configuration)"
            )
        return self

    @model_validator(mode="after")
    def _tls_files_need_rediss(self) -> Settings:
        # A CA or client certificate beside a redis:// URL would be silently unused, and
        # the connection would go out in plain text while the operator believes it is TLS.
        if not self.redis_tls():
            named = [
                name
                for name, value in (
                    ("REDIS_TLS_CA_CERT", self.redis_tls_ca_cert),
                    ("REDIS_TLS_CERT", self.redis_tls_cert),
                    ("REDIS_TLS_KEY", self.redis_tls_key),
                )
                if value is not None
            ]
            if named and is_sentinel_url(self.redis_url):
                raise ValueError(
                    f"{', '.join(named)} set, but REDIS_SENTINEL_TLS is not true; set it "
                    "for TLS to the sentinels and the primary, or unset them"
                )
            if named:
                raise ValueError(
                    f"{', '.join(named)} set, but REDIS_URL does not start with rediss:// "
                    "(TLS); use rediss://host:port/db, or unset them"
                )
        if self.redis_tls_key is not None and self.redis_tls_cert is None:
            raise ValueError(
                "REDIS_TLS_KEY is set without REDIS_TLS_CERT, the certificate it signs"
            )
        return self

    @model_validator(mode="after")
    def _lock_outlives_a_loop(self) -> Settings:
        # A leader renews its lock once per tick, and a tick can wait up to one loop
        # interval: a lock shorter than two loops would expire under a healthy leader,
        # and leadership would flap.
        if self.beat_lock_timeout < 2 * self.beat_max_loop_interval:
            raise ValueError(
                f"BEAT_LOCK_TIMEOUT ({self.beat_lock_timeout:g}) must be at least twice "
                f"BEAT_MAX_LOOP_INTERVAL ({self.beat_max_loop_interval:g})"
            )
        return self


# Settings a process put in force in place of its environment's (use_settings).
_in_force: Settings | None = None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """This process's settings: the environment's (and .env's), or those in force."""
    return _in_force if _in_force is not None else Settings()


def use_settings(settings: Settings | None) -> None:
    """Put `settings` in force for this whole process, every thread: get_settings()
    returns them until use_settings(None) goes back to the environment's. The facade's
    SchedulerService.init(settings) does, so every limit and setting the code under it
    reads (MAX_SCHEDULES, MAX_ARGS_*, HISTORY_*, RUN_LEASE_SECONDS, ...) is the caller's."""
    global _in_force
    _in_force = settings
    get_settings.cache_clear()


def settings_problems(exc: ValidationError) -> list[str]:
    """One line per refused setting, `API_PORT: Input should be ...` or a whole-settings
    check's own sentence (`API_TOKENS: the name 'ops' is used twice`): the variable
    and what is wrong, never the value (hide_input_in_errors), for a one-line refusal
    at start instead of a traceback."""
    lines = []
    for error in exc.errors():
        where = ".".join(map(str, error["loc"])).upper()
        text = str(error["msg"]).removeprefix("Value error, ")
        lines.append(f"{where}: {text}" if where else text)
    return lines
