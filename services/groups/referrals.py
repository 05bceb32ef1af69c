"""Use cases of referrals to real groups (转介): the community refers a matter to a group; the
group's leader and core accept, decline or complete it.

The referral is the matters context's record (one table, one referral act: its
``refer_in_tx``); this module resolves the group, decides who acts for it and how a referral
moves on (``services.groups.model``, "Referrals"), and records each act, in ONE tenant
transaction per act. A refused act writes nothing.
"""

from __future__ import annotations

from services import audit, localtime
from services.auth.model import Principal
from services.groups import queries
from services.groups.handlers import managed_group_in, writer_of
from services.groups.model import (
    ACT_NOTES,
    REFERRAL_NOTE_LIMIT,
    WITHDRAWN_MATTER_ACTS,
    GroupNotFound,
    ReferralAct,
    ReferralNotFound,
    check_open,
    next_referral_status,
    sees_referrals,
)
from services.groups.queries import Reader, ReferralView
from services.kernel.text import clean_text
from services.matters import handlers as matter_handlers
from services.matters import queries as matter_queries
from services.matters.handlers import ReferralTarget
from services.matters.model import MatterStatus, ReferralStatus
from tenants.db import SanshiTransaction
from tenants.tx import tenant_tx
from workers import outbox

# Written when a group declines a referral (the volunteers context ends the help it had
# arranged for it: services/volunteers/actors.py).
REFERRAL_DECLINED_TOPIC = "group.referral_declined"


def group_ref(group_id: int) -> str:
    """The reference a referral to a registered group keeps (free-text ones keep the
    community's own, e.g. "golden_harbour")."""
    return f"group:{group_id}"


async def refer_matter_to_group(
    actor: Principal, slug: str, matter_id: int, group_id: int, note: str = ""
) -> ReferralView:
    """Refer a private (or minor) matter to a registered group of the community (cadres,
    grid workers: whoever may refer matters).

    The group must be of this community (another community's answers as missing) and not
    dissolved; the matter's rules are the matters context's one referral act
    (``refer_in_tx``: visible, still followed, private or minor). The group is locked, so
    it is not dissolved while the referral is written.
    """
    reader = await referrer_of(actor, slug)
    text = referral_note(note)
    async with tenant_tx(slug) as tx:
        return await refer_to_group_in_tx(tx, reader, matter_id, group_id, text)


async def referrer_of(actor: Principal, slug: str) -> Reader:
    """The groups reader of one who may refer the community's matters (cadres, grid
    workers); Forbidden for anyone else."""
    community = await matter_handlers.may_refer(actor, slug)
    return await queries.reader_of(actor, slug, community)


def referral_note(note: str) -> str:
    return clean_text(
        note, field="note", field_zh="转介说明", limit=REFERRAL_NOTE_LIMIT, multiline=True
    )


async def refer_to_group_in_tx(
    tx: SanshiTransaction, reader: Reader, matter_id: int, group_id: int, text: str
) -> ReferralView:
    """The referral to a registered group inside the caller's transaction (the caller got
    ``reader`` from ``referrer_of`` and ``text`` from ``referral_note``): the group locked
    and open, then the matters context's one referral act. A context that adds to a
    referral (a volunteer team's help) writes its part in the same transaction."""
    conn = tx.connection
    group = await queries.group_in(conn, group_id, for_update=True)
    if group is None:
        raise GroupNotFound()
    check_open(group.dissolved_on)
    target = ReferralTarget(group_ref(group.id), group.name_zh, group.id)
    referral = await matter_handlers.refer_in_tx(
        tx, reader.actor, reader.community, matter_id, target, text
    )
    view = await queries.view_in(conn, reader, group_id)
    matters = await matter_queries.matters_by_id_in(conn, [matter_id])
    return ReferralView(referral, view, matters.get(matter_id))


def _check_matter(act: ReferralAct, status: MatterStatus) -> None:
    """A group does not take on, or report work on, a matter the resident withdrew
    (MatterNotOpen): ``WITHDRAWN_MATTER_ACTS``, the rule ``Referral.groupActs`` shows."""
    if status is MatterStatus.WITHDRAWN and act not in WITHDRAWN_MATTER_ACTS:
        raise matter_handlers.MatterNotOpen(
            status=status.value, status_zh=status.label_zh, status_en=status.label_en
        )


async def _act(
    actor: Principal, slug: str, referral_id: int, act: ReferralAct, note: str
) -> ReferralView:
    """One act of the group on a referral: the caller manages the group it names (cadres,
    its leader and core); one who sees the group's referrals without managing it (staff
    who read every matter) is Forbidden; anyone not shown them (a plain member, one who may
    not see the group) finds no referral (ReferralNotFound, as for an id that names nothing,
    so a referral's existence does not leak). The group is not dissolved, and the act
    follows from the referral's status. Stores the new status with who, when and the
    note; audits it on the matter."""
    reader = await writer_of(actor, slug)
    spec = ACT_NOTES[act]
    text = clean_text(
        note,
        field=spec.field,
        field_zh=spec.field_zh,
        limit=REFERRAL_NOTE_LIMIT,
        required=spec.required,
        multiline=True,
    )
    async with tenant_tx(slug) as tx:
        conn = tx.connection
        referral = await matter_queries.referral_in(conn, referral_id, for_update=True)
        if referral is None or referral.group_id is None:
            raise ReferralNotFound()
        # Those who are not shown the group's referrals (a plain member, anyone who may not
        # read the group) find none: Forbidden would tell them the referral exists.
        seen = await queries.view_in(conn, reader, referral.group_id)
        if not sees_referrals(seen.access, reads_community=reader.reads_all):
            raise ReferralNotFound()
        try:
            view = await managed_group_in(tx, reader, referral.group_id)
        except GroupNotFound:
            raise ReferralNotFound() from None
        status = next_referral_status(ReferralStatus(referral.status), act)
        matters = await matter_queries.matters_by_id_in(conn, [referral.matter_id])
        matter = matters.get(referral.matter_id)
        if matter is not None:
            _check_matter(act, MatterStatus(matter.status))
        updated = await matter_handlers.record_referral_act_in_tx(
            tx, referral_id, status, actor.subject, localtime.now(), text
        )
        await audit.record(
            tx,
            actor,
            f"group.referral.{act.value}",
            f"matter:{referral.matter_id}",
            before={"referral": referral_id, "status": referral.status},
            after={
                "referral": referral_id,
                "group_id": referral.group_id,
                "status": status.value,
                "note": text,
            },
        )
        if act is ReferralAct.DECLINE:
            # Whatever a context set going for this referral (a volunteer team's visits)
            # ends: told through the outbox, in this transaction, so it is never lost.
            await outbox.enqueue(
                tx, REFERRAL_DECLINED_TOPIC, {"referral_id": referral_id}, community=slug
            )
    return ReferralView(updated, view, matter)


async def accept_referral(
    actor: Principal, slug: str, referral_id: int, note: str = ""
) -> ReferralView:
    """The group takes the referred matter on (referred → accepted); ``note`` may say when
    or how (e.g. "每月25日上门")."""
    return await _act(actor, slug, referral_id, ReferralAct.ACCEPT, note)


async def decline_referral(
    actor: Principal, slug: str, referral_id: int, reason: str
) -> ReferralView:
    """The group cannot take the referred matter on (referred → declined); the reason is
    required: the community must find other help."""
    return await _act(actor, slug, referral_id, ReferralAct.DECLINE, reason)


async def complete_referral(
    actor: Principal, slug: str, referral_id: int, note: str
) -> ReferralView:
    """The group has done what the referral asked (accepted → completed); the note, what
    was done, is required. The matter itself stays the community's to resolve: its
    follow-up shows the referral completed (Matter.referrals)."""
    return await _act(actor, slug, referral_id, ReferralAct.COMPLETE, note)
