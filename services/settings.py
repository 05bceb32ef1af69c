"""Typed settings, read from the environment once (no import-time I/O)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path


class SettingsError(ValueError):
    """A setting in the environment has a value we cannot use."""


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _placements(raw: str) -> dict[str, str]:
    """Parse `east=postgresql://...;west=postgresql://...` into a mapping."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in raw.split(";"))):
        key, sep, url = part.partition("=")
        if not sep or not key.strip() or not url.strip():
            raise SettingsError(f"SANSHI_PLACEMENTS entry {part!r} is not name=url")
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
    # The executor fast path (services/api/execution.py); off to measure it (bench/README.md).
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

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some fields changed (tests and the embedded runner use this)."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Build settings from environment variables (``SANSHI_*`` plus the usual URLs)."""
        e = dict(os.environ if env is None else env)
        environment = e.get("SANSHI_ENV", "development")
        if environment not in {"development", "test", "production"}:
            raise SettingsError("SANSHI_ENV must be development, test or production")
        s = cls(
            environment=environment,
            data_dir=Path(e.get("SANSHI_DATA_DIR", "var")),
            database_url=e.get("DATABASE_URL") or None,
            redis_url=e.get("REDIS_URL") or None,
            rabbitmq_url=e.get("RABBITMQ_URL") or None,
            placements=_placements(e.get("SANSHI_PLACEMENTS", "")),
            host=e.get("SANSHI_HOST", "127.0.0.1"),
            port=_int(e, "SANSHI_PORT", 8000),
            db_pool_min=_int(e, "SANSHI_DB_POOL_MIN", 1),
            db_pool_max=_int(e, "SANSHI_DB_POOL_MAX", 10),
            db_pool_max_queries=_int(e, "SANSHI_DB_POOL_MAX_QUERIES", 5_000),
            db_pool_max_inactive_lifetime=_float(e, "SANSHI_DB_POOL_MAX_IDLE_S", 60.0),
            jwt_secret=e.get("SANSHI_JWT_SECRET") or None,
            jwt_default_ttl_s=_int(e, "SANSHI_JWT_TTL_S", 8 * 3600),
            graphql_max_depth=_int(e, "SANSHI_GRAPHQL_MAX_DEPTH", 12),
            graphql_max_tokens=_int(e, "SANSHI_GRAPHQL_MAX_TOKENS", 2_000),
            graphql_max_aliases=_int(e, "SANSHI_GRAPHQL_MAX_ALIASES", 30),
            graphql_fast_path=_bool(e, "SANSHI_GRAPHQL_FAST_PATH", True),
            graphiql=_bool(e, "SANSHI_GRAPHIQL", environment != "production"),
            max_name_length=_int(e, "SANSHI_MAX_NAME_LENGTH", 100),
            max_title_length=_int(e, "SANSHI_MAX_TITLE_LENGTH", 100),
            max_text_length=_int(e, "SANSHI_MAX_TEXT_LENGTH", 2_000),
            max_note_length=_int(e, "SANSHI_MAX_NOTE_LENGTH", 1_000),
            response_cache_mb=_int(e, "SANSHI_RESPONSE_CACHE_MB", 64),
            migrate_workers=_int(e, "SANSHI_MIGRATE_WORKERS", 2),
            broker=e.get("SANSHI_BROKER", "redis"),
            redis_namespace=e.get("SANSHI_REDIS_NAMESPACE", "sanshi"),
            dramatiq_heartbeat_timeout_ms=_int(e, "SANSHI_DRAMATIQ_HEARTBEAT_MS", 5_000),
            dramatiq_maintenance_chance=_int(e, "SANSHI_DRAMATIQ_MAINTENANCE", 100_000),
            outbox_poll_interval_s=_float(e, "SANSHI_OUTBOX_POLL_S", 0.2),
            outbox_batch_size=_int(e, "SANSHI_OUTBOX_BATCH", 200),
        )
        if s.is_production and not s.jwt_secret:
            raise SettingsError("SANSHI_JWT_SECRET is required when SANSHI_ENV=production")
        if not 1 <= s.migrate_workers <= 8:
            raise SettingsError("SANSHI_MIGRATE_WORKERS must be between 1 and 8")
        if not 0 <= s.response_cache_mb <= 65_536:
            raise SettingsError("SANSHI_RESPONSE_CACHE_MB must be between 0 and 65536")
        if s.broker not in {"redis", "rabbitmq"}:
            raise SettingsError("SANSHI_BROKER must be redis or rabbitmq")
        return s


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings.from_env()
