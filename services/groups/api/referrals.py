"""GraphQL adapter of referrals to real groups (转介): Group.referrals, Referral.group and
Referral.matter, referring a matter to a group, and the group's accept / decline / complete.

The Referral type is the matters context's (Matter.referrals, referMatter); this context
adds the fields that need the groups' access rule. Who may see or do what is decided in
``services.groups.queries`` and ``services.groups.referrals``; resolvers only call and convert.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import strawberry
from strawberry.types import Info

from services.api.kit import loaders
from services.api.kit.errors import error_type, query_error
from services.api.kit.ids import parse_id
from services.api.kit.pages import PageInfoType
from services.api.kit.request import principal_of
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.model import Principal
from services.errors import Forbidden, SanshiError
from services.groups import model, queries, referrals
from services.groups.api.core import (
    ControlCharactersErrorType,
    GroupDissolvedErrorType,
    GroupNotFoundErrorType,
    GroupType,
)
from services.groups.model import WITHDRAWN_MATTER_ACTS, ReferralAct, referral_acts
from services.groups.queries import GroupView, ReferralView
from services.matters import queries as matter_queries
from services.matters.api import (
    MatterNotFoundErrorType,
    MatterNotOpenErrorType,
    MatterType,
    ReferralStatusType,
    ReferralType,
    WrongKindErrorType,
)
from services.matters.errors import MatterNotFound
from services.matters.model import MatterStatus, ReferralStatus
from services.matters.rows import MatterRow

# -- vocabulary and errors ------------------------------------------------------------------
ReferralActType = labelled_enum(
    ReferralAct, "ReferralAct", "组织对转介事项的处理 / What a group does with a referral"
)

ReferralNotFoundErrorType = error_type(
    model.ReferralNotFound,
    "ReferralNotFoundError",
    "转介记录不存在或不可见 / No such referral to a group (or not visible to you)",
)
ReferralTransitionErrorType = error_type(
    model.ReferralTransition,
    "ReferralTransitionError",
    "转介当前状态不允许此操作 / The referral cannot take this act where it stands",
)


# -- the group a referral names (per request, batched) --------------------------------------
GroupKey = tuple[Principal, str, int]


async def _group_views(keys: list[GroupKey]) -> list[GroupView | BaseException | None]:
    """The groups of referrals as each caller sees them: one transaction per caller and
    community, whatever the number of referrals."""
    ids: dict[tuple[Principal, str], list[int]] = defaultdict(list)
    for actor, slug, group_id in keys:
        ids[(actor, slug)].append(group_id)
    wanted = list(ids)
    found = await asyncio.gather(
        *(queries.group_views_by_id(actor, slug, ids[(actor, slug)]) for actor, slug in wanted),
        return_exceptions=True,
    )
    by_key = dict(zip(wanted, found, strict=True))
    out: list[GroupView | BaseException | None] = []
    for actor, slug, group_id in keys:
        views = by_key[(actor, slug)]
        out.append(views if isinstance(views, BaseException) else views.get(group_id))
    return out


async def _group_view_of(root: ReferralType, info: Info) -> GroupView | None:
    """The group ``root`` names as the caller sees it: read with the referral, or loaded."""
    actor = principal_of(info)
    if actor is None or root.group_id is None:
        return None
    related = root.related or {}
    if "group" in related:
        view: GroupView | None = related["group"]
        return view
    return await loaders.loader(info, _group_views).load((actor, root.slug, root.group_id))


def referral_of(slug: str, v: ReferralView) -> ReferralType:
    """The Referral of a view read by this context: its group and matter come with it."""
    return ReferralType.from_row(v.referral, slug, {"group": v.group, "matter": v.matter})


# -- fields on Referral ---------------------------------------------------------------------
async def _group(root: ReferralType, info: Info) -> GroupType | None:
    view = await _group_view_of(root, info)
    return None if view is None else GroupType.of(root.slug, view)


async def _group_acts(root: ReferralType, info: Info) -> list[ReferralActType]:
    view = await _group_view_of(root, info)
    if view is None or not view.access.manage or view.group.dissolved_on is not None:
        return []
    status = domain_member(ReferralStatus, root.status)
    if not referral_acts(status) - WITHDRAWN_MATTER_ACTS:
        possible = referral_acts(status)  # what it offers does not hang on the matter
    else:
        matter = await _matter_row(root, info)
        withdrawn = matter is not None and matter.status == MatterStatus.WITHDRAWN.value
        possible = referral_acts(status, matter_withdrawn=withdrawn)
    return [ReferralActType(a.value) for a in ReferralAct if a in possible]


async def _matter_row(root: ReferralType, info: Info) -> MatterRow | None:
    """The referral's matter as the caller may read it: read with the referral, or loaded."""
    actor = principal_of(info)
    if actor is None:
        return None
    related = root.related or {}
    if "matter" in related:
        row: MatterRow | None = related["matter"]
        return row
    return await matter_queries.get_matter(actor, root.slug, int(root.matter_id))


async def _matter(root: ReferralType, info: Info) -> MatterType | None:
    actor = principal_of(info)
    found = await _matter_row(root, info)
    if actor is None or found is None:
        return None
    return MatterType.from_row(found, root.slug, actor, info)


@strawberry.type
class ReferralGroupFields:
    """The groups context's fields on Referral: the registered group it names, what the
    caller may do with it as that group, and the referred matter."""

    group = strawberry.field(
        resolver=_group,
        description="转介给的已登记组织；按文字转介（未登记的组织）时为空 / "
        "The registered group it is referred to; null for a free-text referral",
    )
    group_acts = strawberry.field(
        resolver=_group_acts,
        description="当前用户作为该组织负责人、骨干或社区干部现在可做的处理 / "
        "What the caller may do with it now for the group (its leader, core, cadres)",
    )
    matter = strawberry.field(
        resolver=_matter,
        description="被转介的事项：组织负责人、骨干可见转给本组织的事项 / "
        "The referred matter (the group's leader and core see the matters referred to it)",
    )


# -- Group.referrals ------------------------------------------------------------------------
@strawberry.type(
    name="GroupReferralConnection",
    description="转介给组织的事项的一页 / A page of the referrals to a group",
)
class GroupReferralConnectionType:
    items: list[ReferralType]
    page_info: PageInfoType
    total_count: int = strawberry.field(description="符合条件的转介数 / Referrals in all")


async def _referrals(
    root: GroupType,
    info: Info,
    statuses: list[ReferralStatusType] | None = None,
    first: int = queries.DEFAULT_PAGE,
    after: str | None = None,
) -> GroupReferralConnectionType | None:
    actor = principal_of(info)
    if actor is None:
        return None
    try:
        page = await queries.referrals_page(
            actor,
            root.slug,
            int(root.id),
            statuses=[domain_member(ReferralStatus, s) for s in statuses or ()],
            first=first,
            after=after,
            community=root.registry,
        )
    except (model.GroupNotFound, Forbidden):
        return None
    except SanshiError as err:
        raise query_error(info, err) from None
    return GroupReferralConnectionType(
        items=[referral_of(root.slug, v) for v in page.items],
        page_info=PageInfoType(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


@strawberry.type
class GroupReferrals:
    """The groups context's field on Group for referrals: the matters referred to it."""

    referrals = strawberry.field(
        resolver=_referrals,
        description="转介给本组织的事项，新的在前；可按进展筛选（社区干部、负责人、骨干可见）/ "
        "Matters referred to the group, newest first, by status (cadres, its leader and core)",
    )


# -- mutations ------------------------------------------------------------------------------
_REFERRAL_ACT = (*COMMUNITY_ACT, *INPUT, ControlCharactersErrorType)

ReferMatterToGroupResult = result(
    "ReferMatterToGroupResult",
    "转介记录或失败原因 / The referral to the group, or why not",
    ReferralType,
    *_REFERRAL_ACT,
    MatterNotFoundErrorType,
    MatterNotOpenErrorType,
    WrongKindErrorType,
    GroupNotFoundErrorType,
    GroupDissolvedErrorType,
)
_ACT_ERRORS = (
    *_REFERRAL_ACT,
    ReferralNotFoundErrorType,
    ReferralTransitionErrorType,
    GroupDissolvedErrorType,
    MatterNotOpenErrorType,
)
AcceptGroupReferralResult = result(
    "AcceptGroupReferralResult",
    "已接受的转介或失败原因 / The accepted referral, or why not",
    ReferralType,
    *_ACT_ERRORS,
)
DeclineGroupReferralResult = result(
    "DeclineGroupReferralResult",
    "已婉拒的转介或失败原因 / The declined referral, or why not",
    ReferralType,
    *_ACT_ERRORS,
)
CompleteGroupReferralResult = result(
    "CompleteGroupReferralResult",
    "已完成的转介或失败原因 / The completed referral, or why not",
    ReferralType,
    *_ACT_ERRORS,
)


@strawberry.type
class GroupReferralMutation:
    @strawberry.mutation(
        description="把私事（或小事）转介给本社区已登记的组织（社区干部、网格员）/ "
        "Refer a private (or minor) matter to a registered group of the community "
        "(cadres, grid workers)"
    )
    async def refer_matter_to_group(
        self,
        info: Info,
        community: str,
        matter_id: strawberry.ID,
        group_id: strawberry.ID,
        note: str = "",
    ) -> ReferMatterToGroupResult:
        async def act(actor: Principal) -> ReferralType:
            view = await referrals.refer_matter_to_group(
                actor,
                community,
                parse_id(matter_id, MatterNotFound),
                parse_id(group_id, model.GroupNotFound),
                note,
            )
            return referral_of(community, view)

        return await attempt(info, ReferMatterToGroupResult, act)

    @strawberry.mutation(
        description="组织接受转介的事项（组织负责人、骨干，社区干部）/ "
        "The group takes the referred matter on (its leader and core, cadres)"
    )
    async def accept_group_referral(
        self, info: Info, community: str, referral_id: strawberry.ID, note: str = ""
    ) -> AcceptGroupReferralResult:
        async def act(actor: Principal) -> ReferralType:
            view = await referrals.accept_referral(
                actor, community, parse_id(referral_id, model.ReferralNotFound), note
            )
            return referral_of(community, view)

        return await attempt(info, AcceptGroupReferralResult, act)

    @strawberry.mutation(
        description="组织婉拒转介的事项，须说明理由（组织负责人、骨干，社区干部）/ "
        "The group declines the referred matter, with a reason (its leader and core, cadres)"
    )
    async def decline_group_referral(
        self, info: Info, community: str, referral_id: strawberry.ID, reason: str
    ) -> DeclineGroupReferralResult:
        async def act(actor: Principal) -> ReferralType:
            view = await referrals.decline_referral(
                actor, community, parse_id(referral_id, model.ReferralNotFound), reason
            )
            return referral_of(community, view)

        return await attempt(info, DeclineGroupReferralResult, act)

    @strawberry.mutation(
        description="组织完成已接受的转介，须说明完成情况（组织负责人、骨干，社区干部）/ "
        "The group has done what the referral asked, saying what (its leader and core, cadres)"
    )
    async def complete_group_referral(
        self, info: Info, community: str, referral_id: strawberry.ID, note: str
    ) -> CompleteGroupReferralResult:
        async def act(actor: Principal) -> ReferralType:
            view = await referrals.complete_referral(
                actor, community, parse_id(referral_id, model.ReferralNotFound), note
            )
            return referral_of(community, view)

        return await attempt(info, CompleteGroupReferralResult, act)
