"""Expected failures of the queue layer (bilingual, shown by the CLI as one clear line)."""

from __future__ import annotations

from services.errors import SanshiError


class RedisUrlRequired(SanshiError):
    """The worker, relay and broker need a real Redis: REDIS_URL must be set."""

    code = "REDIS_URL_REQUIRED"
    zh = (
        "未设置 REDIS_URL：工作进程和发件箱中继需要 Redis。"
        "请设置，例如 REDIS_URL=redis://127.0.0.1:6379/0（make run 会自动设置）"
    )
    en = (
        "REDIS_URL is not set: the worker and the outbox relay need Redis. "
        "Set it, e.g. REDIS_URL=redis://127.0.0.1:6379/0 (make run sets it for you)"
    )


class RabbitmqUnavailable(SanshiError):
    """SANSHI_BROKER=rabbitmq was chosen but cannot be used here."""

    code = "RABBITMQ_UNAVAILABLE"
    zh = "已选择 RabbitMQ 作为消息代理，但{reason_zh}"
    en = "RabbitMQ was chosen as the broker, but {reason_en}"


class UnknownTopic(LookupError):
    """An outbox message names a topic no actor handles (a programming error caught early).

    Not a SanshiError: no user can act on it, so it is never shown as a GraphQL error.
    """

    def __init__(self, topic: str) -> None:
        super().__init__(f"unknown message topic {topic!r}: no actor declares it")
        self.topic = topic


class InvalidMessage(ValueError):
    """An outbox message whose payload or community cannot be sent (a programming error)."""


class BrokerNotReady(RuntimeError):
    """Asked for the broker before ``setup_broker(settings)`` ran (a programming error)."""
