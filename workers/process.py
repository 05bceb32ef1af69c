"""What every worker-side process (`sanshi worker|relay|scheduler|outbox`) starts with."""

from __future__ import annotations

import logging

from services.settings import Settings, get_settings
from workers.errors import RedisUrlRequired


def process_settings(*, need_redis: bool) -> Settings:
    """The process's settings, with the embedded database when no DATABASE_URL is set."""
    from services.runtime.bootstrap import with_embedded_database

    settings = get_settings()
    if need_redis and not settings.redis_url:
        raise RedisUrlRequired()
    return with_embedded_database(settings)


def configure_logging() -> None:
    """Log lines with time, level and logger name, unless logging is configured already."""
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
