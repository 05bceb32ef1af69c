"""Typed settings, read from the environment once (no import-time I/O)."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path


class SettingsError(ValueError):
    """A setting in the environment has a value we cannot use."""


# A parser turns a variable's text into a field value, or _UNSET for "leave the default".
_UNSET = object()


def _text(name: str, raw: str) -> object:
    return raw


def _path(name: str, raw: str) -> object:
    return Path(raw)


def _optional(name: str, raw: str) -> object:
    # An exported-but-empty URL or secret counts as unset.
    return raw or _UNSET


def _int(name: str, raw: str) -> object:
    if raw == "":
        return _UNSET
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(name: str, raw: str) -> object:
    if raw == "":
        return _UNSET
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _bool(name: str, raw: str) -> object:
    if raw == "":
        return _UNSET
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _placements(name: str, raw: str) -> object:
    """Parse `east=postgresql://...;west=postgresql://...` into a mapping."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        key, sep, url = part.partition("=")
        if not sep or not key.strip() or not url.strip():
            raise SettingsError(f"{name} entry {part!r} is not name=url")
        out[key.strip()] = url.strip()
    return out


@dataclass(frozen=True)
class Settings:
    """Everything the service, CLI and workers are configured by.

    ``database_url`` / ``redis_url`` left empty mean "use the embedded servers under
    ``data_dir``" (the two-command start); set them for real servers.
    """

    environment: str = "development"
    data_dir: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None
    # Only with broker = "rabbitmq" (the scale-out path; needs the `rabbitmq` extra).
    rabbitmq_url: str | None = None
    # Extra databases communities can be placed in (placement name -> URL); the
    # platform schema always lives in the default database (placement "default").
    placements: dict[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8000

    # Connection pool. Connections are recycled because each keeps ~14 KB per
    # tenant table it touched (see docs/tenancy.md).
    db_pool_min: int = 1
    db_pool_max: int = 10
    db_pool_max_queries: int = 5_000
    db_pool_max_inactive_lifetime: float = 60.0

    # Auth (JWT bearer tokens, HS256).
    jwt_secret: str | None = None
    jwt_issuer: str = "sanshi"
    jwt_audience: str = "sanshi"
    jwt_default_ttl_s: int = 8 * 3600

    # GraphQL limits.
    graphql_max_depth: int = 12
    graphql_max_tokens: int = 2_000
    graphql_max_aliases: int = 30
    # The executor's fast path (services/api/execution.py); off: graphql-core's standard one.
    graphql_fast_path: bool = True
    graphiql: bool = True

    # Text limits (characters).
    max_name_length: int = 100
    max_title_length: int = 100
    max_text_length: int = 2_000
    max_note_length: int = 1_000

    # GraphQL response cache (docs/response-cache.md): per process, in MiB; 0 turns it off.
    response_cache_mb: int = 64

    # Migrations.
    migrate_workers: int = 2

    # Dramatiq on Redis. The defaults of the Redis broker re-queue a killed
    # worker's messages only after minutes; these make it seconds.
    broker: str = "redis"
    redis_namespace: str = "sanshi"
    dramatiq_heartbeat_timeout_ms: int = 5_000
    dramatiq_maintenance_chance: int = 100_000  # out of 1,000,000 calls
    outbox_poll_interval_s: float = 0.2
    outbox_batch_size: int = 200

    # Periodic jobs (workers/scheduler.py): seconds between runs of the overdue job.
    scheduler_interval_s: float = 60.0

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and the embedded runner use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from environment variables (``SANSHI_*`` plus the usual URLs).

        A variable that is not set leaves its field at the dataclass default, so each
        default is written once, on the field.
        """
        e = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for name, variable, parse in _VARIABLES:
            raw = e.get(variable)
            if raw is None:
                continue
            value = parse(variable, raw)
            if value is not _UNSET:
                values[name] = value
        environment = values.get("environment", cls.environment)
        if environment not in {"development", "test", "production"}:
            raise SettingsError("SANSHI_ENV must be development, test or production")
        # GraphiQL's default depends on the environment: off in production unless asked for.
        if environment == "production" and "graphiql" not in values:
            values["graphiql"] = False
        s = cls(**values)  # type: ignore[arg-type]
        if s.is_production and not s.jwt_secret:
            raise SettingsError("SANSHI_JWT_SECRET is required when SANSHI_ENV=production")
        if not 1 <= s.migrate_workers <= 8:
            raise SettingsError("SANSHI_MIGRATE_WORKERS must be between 1 and 8")
        if not 0 <= s.response_cache_mb <= 65_536:
            raise SettingsError("SANSHI_RESPONSE_CACHE_MB must be between 0 and 65536")
        if s.broker not in {"redis", "rabbitmq"}:
            raise SettingsError("SANSHI_BROKER must be redis or rabbitmq")
        if not 1 <= s.scheduler_interval_s <= 86_400:
            raise SettingsError("SANSHI_SCHEDULER_INTERVAL_S must be between 1 and 86400 seconds")
        return s


# Which variable sets which field, and how its text is parsed. The defaults are the fields'
# own (an unset variable leaves the field alone); a field missing here is not configurable
# from the environment (jwt_issuer, jwt_audience).
_VARIABLES: tuple[tuple[str, str, Callable[[str, str], object]], ...] = (
    ("environment", "SANSHI_ENV", _text),
    ("data_dir", "SANSHI_DATA_DIR", _path),
    ("database_url", "DATABASE_URL", _optional),
    ("redis_url", "REDIS_URL", _optional),
    ("rabbitmq_url", "RABBITMQ_URL", _optional),
    ("placements", "SANSHI_PLACEMENTS", _placements),
    ("host", "SANSHI_HOST", _text),
    ("port", "SANSHI_PORT", _int),
    ("db_pool_min", "SANSHI_DB_POOL_MIN", _int),
    ("db_pool_max", "SANSHI_DB_POOL_MAX", _int),
    ("db_pool_max_queries", "SANSHI_DB_POOL_MAX_QUERIES", _int),
    ("db_pool_max_inactive_lifetime", "SANSHI_DB_POOL_MAX_IDLE_S", _float),
    ("jwt_secret", "SANSHI_JWT_SECRET", _optional),
    ("jwt_default_ttl_s", "SANSHI_JWT_TTL_S", _int),
    ("graphql_max_depth", "SANSHI_GRAPHQL_MAX_DEPTH", _int),
    ("graphql_max_tokens", "SANSHI_GRAPHQL_MAX_TOKENS", _int),
    ("graphql_max_aliases", "SANSHI_GRAPHQL_MAX_ALIASES", _int),
    ("graphql_fast_path", "SANSHI_GRAPHQL_FAST_PATH", _bool),
    ("graphiql", "SANSHI_GRAPHIQL", _bool),
    ("max_name_length", "SANSHI_MAX_NAME_LENGTH", _int),
    ("max_title_length", "SANSHI_MAX_TITLE_LENGTH", _int),
    ("max_text_length", "SANSHI_MAX_TEXT_LENGTH", _int),
    ("max_note_length", "SANSHI_MAX_NOTE_LENGTH", _int),
    ("response_cache_mb", "SANSHI_RESPONSE_CACHE_MB", _int),
    ("migrate_workers", "SANSHI_MIGRATE_WORKERS", _int),
    ("broker", "SANSHI_BROKER", _text),
    ("redis_namespace", "SANSHI_REDIS_NAMESPACE", _text),
    ("dramatiq_heartbeat_timeout_ms", "SANSHI_DRAMATIQ_HEARTBEAT_MS", _int),
    ("dramatiq_maintenance_chance", "SANSHI_DRAMATIQ_MAINTENANCE", _int),
    ("outbox_poll_interval_s", "SANSHI_OUTBOX_POLL_S", _float),
    ("outbox_batch_size", "SANSHI_OUTBOX_BATCH", _int),
    ("scheduler_interval_s", "SANSHI_SCHEDULER_INTERVAL_S", _float),
)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()
