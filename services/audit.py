"""The append-only audit trail of official acts (who, role, when, what, before/after)."""

from __future__ import annotations

import json
from typing import Any

from services.auth.model import Principal
from tenants.db import SanshiTransaction


async def record(
    tx: SanshiTransaction,
    actor: Principal,
    action: str,
    subject: str,
    *,
    before: Any = None,
    after: Any = None,
    platform: bool = False,
) -> None:
    """Append one entry, in the caller's transaction (so it commits with the act itself).

    ``platform=True`` writes to the county-wide log (registry acts); otherwise to the
    community's own log (its schema is the transaction's search_path).
    """
    table = "platform.audit_log" if platform else "audit_log"
    await tx.connection.execute(
        f"INSERT INTO {table} (actor, role, action, subject, before, after) "
        "VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)",
        actor.subject,
        actor.primary_role.value,
        action,
        subject,
        None if before is None else json.dumps(before, default=str, ensure_ascii=False),
        None if after is None else json.dumps(after, default=str, ensure_ascii=False),
    )
