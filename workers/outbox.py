"""The transactional outbox: a message is a row written in the same transaction as its cause.

A handler calls ``await enqueue(tx, "matter.major", {"matter_id": 7}, community=slug)``
inside its ``tenant_tx``; the row commits or rolls back with the change. The relay
(workers.relay) publishes committed rows to Dramatiq after commit.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from tenants.db import DEFAULT_PLACEMENT, SanshiTransaction
from tenants.slugs import validate_slug
from tenants.tx import platform_tx
from workers import registry
from workers.errors import InvalidMessage

# Actors receive the community as the keyword argument ``community``.
COMMUNITY_ARG = "community"


@dataclass(frozen=True)
class OutboxRow:
    """One outbox row as the relay and the CLI see it."""

    id: int
    message_id: UUID
    topic: str
    community_slug: str | None
    payload: dict[str, Any]
    created_at: datetime
    attempts: int
    last_error: str | None

    @classmethod
    def from_record(cls, r: Any) -> OutboxRow:
        """Build from an asyncpg record of platform.outbox."""
        payload = r["payload"]
        return cls(
            id=r["id"],
            message_id=r["message_id"],
            topic=r["topic"],
            community_slug=r["community_slug"],
            payload=json.loads(payload) if isinstance(payload, str) else payload,
            created_at=r["created_at"],
            attempts=r["attempts"],
            last_error=r["last_error"],
        )


def _check(
    tx: SanshiTransaction, topic: str, payload: dict[str, Any], community: str | None
) -> str:
    registry.load_actor_modules()
    registry.check_topic(topic)  # UnknownTopic now, not when the relay sends it
    if not isinstance(payload, dict) or not all(isinstance(k, str) for k in payload):
        raise InvalidMessage("payload must be a dict with str keys")
    if COMMUNITY_ARG in payload:
        raise InvalidMessage("give the community as community=..., not inside the payload")
    if community is not None:
        validate_slug(community)
    if tx.kind == "tenant" and community != tx.slug:
        # A community's transaction only speaks for that community.
        raise InvalidMessage(
            f"a message for {community!r} cannot be written in {tx.slug!r}'s transaction"
        )
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise InvalidMessage(f"payload is not JSON-serialisable ({err})") from None


async def enqueue(
    tx: SanshiTransaction, topic: str, payload: dict[str, Any], *, community: str | None
) -> UUID:
    """Write a message for ``topic`` in the caller's transaction; returns its message id.

    Nothing is sent now: the relay publishes the row once the transaction has committed,
    and a rolled-back transaction leaves no row. Raises UnknownTopic / InvalidMessage
    (before any SQL) for a topic no actor handles or a payload that cannot be sent.
    """
    body = _check(tx, topic, payload, community)
    message_id = uuid.uuid4()
    await tx.connection.execute(
        "INSERT INTO platform.outbox (message_id, topic, community_slug, payload) "
        "VALUES ($1, $2, $3, $4::jsonb)",
        message_id,
        topic,
        community,
        body,
    )
    return message_id


async def pending(limit: int = 100, *, placement: str = DEFAULT_PLACEMENT) -> list[OutboxRow]:
    """Unsent rows of one database's outbox, oldest first (for operators)."""
    async with platform_tx(placement) as tx:
        rows = await tx.connection.fetch(
            "SELECT id, message_id, topic, community_slug, payload, created_at, attempts, "
            "last_error FROM platform.outbox WHERE sent_at IS NULL ORDER BY id LIMIT $1",
            limit,
        )
    return [OutboxRow.from_record(r) for r in rows]
