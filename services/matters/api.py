"""GraphQL adapter of the matters context (事项): the ledger, a matter with its history, follow-up.

Types mirror the pure model's vocabulary (enums carry its zh/en labels); resolvers call
``services.matters.handlers`` / ``queries`` and map expected failures to typed union
members. Fields under a matter that would run one query per matter go through the
per-request DataLoaders (``services.api.kit.loaders``), keyed by (community slug, id).

The ledger is an items + pageInfo + totalCount connection (not Relay edges): clients
page with ``after: pageInfo.endCursor`` and never need a per-item cursor.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, ClassVar, TypeVar, cast

import strawberry
from strawberry.dataloader import DataLoader
from strawberry.scalars import JSON
from strawberry.types import Info
from strawberry.types.nodes import Selection

from services.api.kit import loaders
from services.api.kit.errors import error_type, query_error
from services.api.kit.ids import gid, parse_id
from services.api.kit.prefetch import Pending, later, selected_names
from services.api.kit.request import require_principal
from services.api.kit.results import COMMUNITY_ACT, INPUT, attempt, result
from services.api.kit.vocabulary import domain_member, labelled_enum
from services.auth.api import RoleType
from services.auth.model import Principal
from services.communities.api import CommunityType
from services.errors import SanshiError
from services.grids.api import GridType, grids_of_community
from services.grids.queries import GridRow
from services.households.api import CircumstanceType, HouseholdNotFoundErrorType, HouseholdType
from services.households.masking import Visibility
from services.households.model import Circumstance, HouseholdNotFound
from services.households.queries import HouseholdRow
from services.matters import handlers, model, queries
from services.matters.errors import MatterNotFound
from services.matters.model import (
    Channel,
    MatterKind,
    MatterStatus,
    ReferralStatus,
    ResponsibleParty,
    Satisfaction,
)
from services.matters.rows import (
    CategoryRow,
    CommitmentRow,
    FeedbackRow,
    MatterRow,
    MatterView,
    NegotiationRow,
    ReferralRow,
    RuleRow,
    SheetRow,
    TransitionRow,
)

T = TypeVar("T")

# --------------------------------------------------------------------------------------
# Vocabulary: GraphQL enums with the model's values and labels (a unit test keeps them equal)
# --------------------------------------------------------------------------------------


MatterKindType = labelled_enum(
    MatterKind, "MatterKind", "三事分类：私事、小事、大事 / Private, minor or major matter"
)


def kind_out(value: str | None) -> MatterKindType | None:
    """A stored kind as the GraphQL enum member (None stays None)."""
    return None if value is None else MatterKindType(value)


MatterStatusType = labelled_enum(
    MatterStatus, "MatterStatus", "事项状态 / Where a matter is in its life"
)

ChannelType = labelled_enum(Channel, "Channel", "诉求来源渠道 / How a request reached the ledger")

SatisfactionType = labelled_enum(Satisfaction, "Satisfaction", "居民评价 / A resident's rating")

ResponsiblePartyType = labelled_enum(
    ResponsibleParty, "ResponsibleParty", "责任方 / Who handles a matter"
)

ReferralStatusType = labelled_enum(
    ReferralStatus,
    "ReferralStatus",
    "转介进展：已转介、已接受、已婉拒、已完成 / Where a referral to a group stands",
)


@strawberry.enum(name="CommitmentParty", description="承诺方 / Who made a commitment")
class CommitmentPartyType(enum.Enum):
    RESIDENT = strawberry.enum_value("resident", description="居民 / A resident")
    COMMUNITY = strawberry.enum_value("community", description="社区 / The community")
    OTHER = strawberry.enum_value("other", description="其他 / Someone else")


@strawberry.enum(name="MatterDateField", description="日期筛选所用的日期 / Which date to filter")
class MatterDateFieldType(enum.Enum):
    REGISTERED = strawberry.enum_value(
        "registered", description="登记日期 / When it was registered"
    )
    OCCURRED = strawberry.enum_value("occurred", description="发生日期 / When it happened")


def _opt(enum_type: type[T], value: str | None) -> T | None:
    return None if value is None else enum_type(value)  # type: ignore[call-arg]


# -- prefetched or loaded ------------------------------------------------------------------
# The ledger and matter fields read the rows their sub-fields will show in their own
# transaction (queries.fetch_related, chosen from the selection; services/api/kit/prefetch.py
# says why); a Matter built anywhere else goes through the per-request DataLoaders.


# A Matter field -> (the rows queries.fetch_related reads for it, the reader of a context
# that adds the field; None: the matters context's own). Other contexts' fields on Matter
# add theirs (their ``PREFETCH``, joined when the schema is built: services/api/schema.py).
def _related_for(matter_fields: Sequence[Selection]) -> dict[str, queries.RelatedReader | None]:
    """What to prefetch for Matter objects selected by ``matter_fields``."""
    wanted: dict[str, queries.RelatedReader | None] = {}
    prefetch = MatterType.PREFETCH
    for f in matter_fields:
        names = selected_names(f.selections)
        for n in names:
            if n in prefetch:
                key, reader = prefetch[n]
                wanted[key] = reader
        for negotiation in names.get("negotiations", ()):
            if "commitments" in selected_names(negotiation.selections):
                wanted["commitments"] = None
    return wanted


def _readers(wanted: Mapping[str, queries.RelatedReader | None]) -> dict[str, Any]:
    return {k: r for k, r in wanted.items() if r is not None}


def _shown(info: Info) -> dict[str, Any]:
    """What a mutation's Matter result selects, as its handler's ``related`` and
    ``readers``: the handler reads those rows in its own transaction (one, not one per
    field's DataLoader)."""
    wanted = _related_for(info.selected_fields)
    return {"related": tuple(wanted), "readers": _readers(wanted)}


MatterKindRef = MatterKindType
_kind = kind_out


# --------------------------------------------------------------------------------------
# Errors of the matters context (typed union members)
# --------------------------------------------------------------------------------------

MatterNotFoundErrorType = error_type(
    MatterNotFound, "MatterNotFoundError", "事项不存在或不可见 / No such matter (or not visible)"
)
CommitmentNotFoundErrorType = error_type(
    handlers.CommitmentNotFound,
    "CommitmentNotFoundError",
    "承诺事项不存在或不可见 / No such commitment (or not visible)",
)
IllegalTransitionErrorType = error_type(
    model.IllegalTransition,
    "IllegalTransitionError",
    "事项状态不能这样变更 / The lifecycle does not allow this change of status",
)
ReasonRequiredErrorType = error_type(
    model.ReasonRequired, "ReasonRequiredError", "须说明理由 / A reason is required"
)
UnknownCategoryErrorType = error_type(
    model.UnknownCategory, "UnknownCategoryError", "未知的诉求类别 / Unknown request category"
)
SameKindErrorType = error_type(
    model.SameKind, "SameKindError", "事项已是该类型 / The matter already has this kind"
)
CannotReclassifyErrorType = error_type(
    model.CannotReclassify,
    "CannotReclassifyError",
    "此状态的事项不能重新归类 / A matter in this status cannot be reclassified",
)
FeedbackBeforeResolutionErrorType = error_type(
    model.FeedbackBeforeResolution,
    "FeedbackBeforeResolutionError",
    "事项尚未解决，不能评价 / Only a resolved matter can be rated",
)
DuplicateRuleIdErrorType = error_type(
    model.DuplicateRuleId, "DuplicateRuleIdError", "建议规则编号重复 / Duplicate rule id"
)
AmbiguousRulesErrorType = error_type(
    model.AmbiguousRules,
    "AmbiguousRulesError",
    "同类别同优先级的建议规则 / Two rules of one category share a priority",
)
WrongKindErrorType = error_type(
    handlers.WrongKind,
    "WrongKindError",
    "此操作不适用于该类型的事项 / Not for a matter of this kind",
)
MatterNotOpenErrorType = error_type(
    handlers.MatterNotOpen,
    "MatterNotOpenError",
    "事项已结束或尚未归类 / The matter is finished or not decided yet",
)


def _result(name: str, description: str, success: type, *errors: Any) -> Any:
    """A mutation's result: every act here can meet the community's access errors and bad
    input, then its own."""
    return result(name, description, success, *COMMUNITY_ACT, *INPUT, *errors)


# --------------------------------------------------------------------------------------
# Output types
# --------------------------------------------------------------------------------------


_gid = gid


@strawberry.type(
    name="Suggestion",
    description="系统按类别和住户情况提出的建议类型；由理事会决定 / "
    "The kind the rules suggest from category and circumstances; the council decides",
)
class SuggestionType:
    kind: MatterKindRef
    reason_zh: str
    reason_en: str
    rule_id: str | None = strawberry.field(
        description="采用的建议规则；无规则适用时为空 / The rule used; null when none applied"
    )


@strawberry.type(
    name="ClassificationSheet",
    description="三事归类单的一个版本：类型、责任方、理由 / "
    "A version of the classification sheet (三事归类单): kind, responsible party, why",
)
class ClassificationSheetType:
    version: int = strawberry.field(description="1 = 理事会决定；之后每次改类加一 / 1 = decision")
    kind: MatterKindRef
    previous_kind: MatterKindRef | None = strawberry.field(
        description="改类前的类型 / The kind before this change (null for version 1)"
    )
    escalation: bool = strawberry.field(description="是否升格 / Whether the kind moved up")
    responsible: ResponsiblePartyType
    reasoning: str
    evidence: list[str] = strawberry.field(description="证据（现场核查等）/ Evidence items")
    explanation: str = strawberry.field(
        description="向居民的说明（私事）/ The explanation given to the resident (private)"
    )
    agenda_item_id: strawberry.ID | None
    suggested_kind: MatterKindRef | None
    suggestion_followed: bool | None
    tally: JSON = strawberry.field(description="表决结果 / The council's tally")
    decided_by: str
    decided_by_role: RoleType
    decided_at: datetime

    @classmethod
    def from_row(cls, r: SheetRow) -> ClassificationSheetType:
        previous = _opt(MatterKind, r.previous_kind)
        kind = MatterKind(r.kind)
        return cls(
            version=r.version,
            kind=MatterKindType(kind.value),
            previous_kind=_kind(r.previous_kind),
            escalation=previous is not None and model.is_escalation(previous, kind),
            responsible=ResponsiblePartyType(r.responsible),
            reasoning=r.reasoning,
            evidence=[line for line in r.evidence.split("\n") if line.strip()],
            explanation=r.explanation,
            agenda_item_id=_gid(r.agenda_item_id),
            suggested_kind=_kind(r.suggested_kind),
            suggestion_followed=r.suggestion_followed,
            tally=queries.loads_json(r.tally),
            decided_by=r.decided_by,
            decided_by_role=RoleType(r.decided_by_role),
            decided_at=r.decided_at,
        )


@strawberry.type(
    name="MatterTransition",
    description="一次状态变更：谁、何时、从何到何、为何 / One status change: who, when, why",
)
class MatterTransitionType:
    from_status: MatterStatusType | None
    to_status: MatterStatusType
    actor: str
    actor_role: RoleType
    reason: str
    at: datetime

    @classmethod
    def from_row(cls, r: TransitionRow) -> MatterTransitionType:
        return cls(
            from_status=_opt(MatterStatusType, r.from_status),
            to_status=MatterStatusType(r.to_status),
            actor=r.actor,
            actor_role=RoleType(r.actor_role),
            reason=r.reason,
            at=r.at,
        )


@strawberry.type(
    name="Referral",
    description="转介：私事（或小事）转给义工队或其他居民组织 / "
    "A matter referred to a volunteer team or other resident group",
)
class ReferralType:
    id: strawberry.ID
    matter_id: strawberry.ID
    group_ref: str = strawberry.field(description="组织在社区内的编号 / The group's reference")
    group_name: str
    note: str
    referred_by: str
    at: datetime
    status: ReferralStatusType = strawberry.field(
        description="转介进展：组织接受、婉拒或完成 / Where it stands: the group accepts, "
        "declines or completes it (a free-text referral stays referred)"
    )
    acted_by: str | None = strawberry.field(
        description="组织最近一次处理的办理人 / Who made the group's latest act on it"
    )
    acted_at: datetime | None = strawberry.field(
        description="组织最近一次处理的时间；未处理为空 / When; null until the group acts"
    )
    act_note: str = strawberry.field(
        description="婉拒理由或完成情况等说明 / The reason for declining, what was done, ..."
    )
    slug: strawberry.Private[str]
    group_id: strawberry.Private[int | None]
    # What the context that built this referral read with it, by the name of the field
    # another context adds (Referral.group, Referral.matter): answered from here before
    # any loader (None: nothing read with it).
    related: strawberry.Private[dict[str, Any] | None] = None

    @classmethod
    def from_row(
        cls, r: ReferralRow, slug: str, related: dict[str, Any] | None = None
    ) -> ReferralType:
        return cls(
            id=strawberry.ID(str(r.id)),
            matter_id=strawberry.ID(str(r.matter_id)),
            group_ref=r.group_ref,
            group_name=r.group_name,
            note=r.note,
            referred_by=r.referred_by,
            at=r.at,
            status=ReferralStatusType(r.status),
            acted_by=r.acted_by,
            acted_at=r.acted_at,
            act_note=r.act_note,
            slug=slug,
            group_id=r.group_id,
            related=related,
        )


@strawberry.type(
    name="Commitment",
    description="协商中一方的承诺及是否兑现 / One party's commitment and whether it was kept",
)
class CommitmentType:
    id: strawberry.ID
    negotiation_id: strawberry.ID
    matter_id: strawberry.ID
    party: CommitmentPartyType
    party_name: str
    description: str
    due_on: date | None
    kept: bool | None = strawberry.field(description="尚未核实时为空 / Null until checked")
    checked_by: str | None
    checked_at: datetime | None

    @classmethod
    def from_row(cls, r: CommitmentRow) -> CommitmentType:
        return cls(
            id=strawberry.ID(str(r.id)),
            negotiation_id=strawberry.ID(str(r.negotiation_id)),
            matter_id=strawberry.ID(str(r.matter_id)),
            party=CommitmentPartyType(r.party),
            party_name=r.party_name,
            description=r.description,
            due_on=r.due_on,
            kept=r.kept,
            checked_by=r.checked_by,
            checked_at=r.checked_at,
        )


@strawberry.type(
    name="Negotiation",
    description="小事的协商记录：会议、参加人、协议、各方承诺 / "
    "A negotiation (协商) on a minor matter: meeting, participants, agreement, commitments",
)
class NegotiationType:
    id: strawberry.ID
    matter_id: strawberry.ID
    held_on: date
    place: str
    participants: list[str]
    agreement: str
    recorded_by: str
    at: datetime
    slug: strawberry.Private[str]
    # The matter's commitments when the page prefetched them (None: use the DataLoader).
    matter_commitments: strawberry.Private[list[CommitmentRow] | None] = None

    @classmethod
    def from_row(
        cls, r: NegotiationRow, slug: str, commitments: list[CommitmentRow] | None = None
    ) -> NegotiationType:
        return cls(
            id=strawberry.ID(str(r.id)),
            matter_id=strawberry.ID(str(r.matter_id)),
            held_on=r.held_on,
            place=r.place,
            participants=list(queries.loads_json(r.participants)),
            agreement=r.agreement,
            recorded_by=r.recorded_by,
            at=r.at,
            slug=slug,
            matter_commitments=commitments,
        )

    def _own(self, rows: list[CommitmentRow]) -> list[CommitmentType]:
        return [CommitmentType.from_row(r) for r in rows if str(r.negotiation_id) == self.id]

    @strawberry.field(description="各方承诺 / Each party's commitment")
    def commitments(self, info: Info) -> list[CommitmentType]:
        if self.matter_commitments is not None:
            return self._own(self.matter_commitments)

        async def load() -> list[CommitmentType]:
            loader = loaders.loader(info, BY_MATTER["commitments"])
            return self._own(await loader.load((self.slug, int(self.matter_id))))

        return later(load())


@strawberry.type(
    name="Feedback",
    description="居民对已解决事项的评价 / A resident's rating of a resolved matter",
)
class FeedbackType:
    rating: SatisfactionType
    comment: str
    reopen_reason: str | None
    given_by: str
    given_by_role: RoleType
    on_behalf: bool = strawberry.field(
        description="网格员代居民评价 / Recorded by a grid worker on the resident's behalf"
    )
    at: datetime

    @classmethod
    def from_row(cls, r: FeedbackRow) -> FeedbackType:
        return cls(
            rating=SatisfactionType(r.rating),
            comment=r.comment,
            reopen_reason=r.reopen_reason,
            given_by=r.given_by,
            given_by_role=RoleType(r.given_by_role),
            on_behalf=r.on_behalf,
            at=r.at,
        )


@strawberry.type(name="Category", description="诉求类别（社区自定）/ A request category")
class CategoryType:
    code: str
    name_zh: str
    name_en: str
    active: bool
    sort: int

    @classmethod
    def from_row(cls, r: CategoryRow) -> CategoryType:
        return cls(code=r.code, name_zh=r.name_zh, name_en=r.name_en, active=r.active, sort=r.sort)


@strawberry.type(
    name="SuggestionRule",
    description="建议规则：某类别、某些住户情况时建议的类型 / "
    "A suggestion rule: for a category and household circumstances, suggest a kind",
)
class SuggestionRuleType:
    id: str
    category: str
    kind: MatterKindRef
    reason_zh: str
    reason_en: str
    priority: int
    any_of: list[CircumstanceType] = strawberry.field(
        description="至少具备其一（为空则不限）/ At least one of these (empty: any)"
    )
    all_of: list[CircumstanceType] = strawberry.field(description="须全部具备 / All of these")
    referable: bool = strawberry.field(
        description="可转介义工队 / May be referred to a volunteer team"
    )
    active: bool

    @classmethod
    def from_row(cls, r: RuleRow) -> SuggestionRuleType:
        rule = handlers.rule_from_row(r)

        def flags(cs: frozenset[Circumstance]) -> list[CircumstanceType]:
            return [CircumstanceType(c.value) for c in Circumstance if c in cs]

        return cls(
            id=rule.id,
            category=rule.category,
            kind=MatterKindType(rule.kind.value),
            reason_zh=rule.reason_zh,
            reason_en=rule.reason_en,
            priority=rule.priority,
            any_of=flags(rule.any_of),
            all_of=flags(rule.all_of),
            referable=rule.referable,
            active=r.active,
        )


@strawberry.type(name="MatterSettings", description="社区的事项设置 / Matter settings")
class MatterSettingsType:
    matter_prefix: str = strawberry.field(description="事项编号前缀 / Prefix of matter numbers")


# -- DataLoaders (for Matter objects whose rows were not prefetched) -------------------------
def _by_matter(what: str) -> loaders.Batch[loaders.CommunityKey, list[Any]]:
    async def fetch(slug: str, ids: list[int]) -> Mapping[int, list[Any]]:
        return await queries.rows_by_matter(slug, what, ids)

    return loaders.per_community(fetch, list)


BY_MATTER = {what: _by_matter(what) for what in sorted(queries.BY_MATTER)}
households_by_id = loaders.per_community(queries.households_by_id, lambda: None)
categories_of_community = loaders.per_slug(queries.categories_of)


@strawberry.type(
    name="Matter",
    description="事项：登记的诉求（诉求）及其三事分流和办理，直至解决 / "
    "A registered request (诉求) and its triage and handling, followed until solved",
)
class MatterType:
    id: strawberry.ID
    number: str = strawberry.field(description="台账编号 / Ledger number")
    title: str
    description: str
    place: str
    category_code: str
    channel: ChannelType
    occurred_on: date
    registered_at: datetime
    registered_by: str
    registered_by_role: RoleType
    status: MatterStatusType
    kind: MatterKindRef | None = strawberry.field(description="未归类时为空 / Null until decided")
    responsible: ResponsiblePartyType | None
    responsible_note: str = strawberry.field(
        description="具体负责人及说明 / Who exactly handles it"
    )
    suggestion: SuggestionType | None
    household_id: strawberry.ID
    grid_id: strawberry.ID
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime
    # Plain attributes, not resolvers: set from the prefetched rows, or to a Pending
    # that goes through the request's DataLoaders (see from_row). On a ledger page these
    # are 150 objects; a resolver call each was a large share of the page's CPU.
    household: HouseholdType | None = strawberry.field(
        description="住户（按角色遮蔽敏感信息）/ The household, masked for the caller's role"
    )
    grid: GridType | None = strawberry.field(description="网格 / The grid")
    category: CategoryType | None = strawberry.field(description="诉求类别 / The request category")
    slug: strawberry.Private[str]
    visibility: strawberry.Private[Visibility]
    # Rows read with the matter (queries.fetch_related); None: fields use the DataLoaders.
    related: strawberry.Private[dict[str, Any] | None] = None

    # GraphQL field -> (the related rows it shows, their reader; None: this context's own).
    PREFETCH: ClassVar[dict[str, tuple[str, queries.RelatedReader | None]]] = {
        "household": ("household", None),
        "grid": ("grids", None),
        "category": ("categories", None),
        "sheets": ("sheets", None),
        "history": ("history", None),
        "referrals": ("referrals", None),
        "negotiations": ("negotiations", None),
        "feedback": ("feedback", None),
    }

    @classmethod
    def from_row(
        cls,
        r: MatterRow,
        slug: str,
        actor: Principal,
        info: Info,
        related: dict[str, Any] | None = None,
        visibility: Visibility | None = None,
    ) -> MatterType:
        """The matter of row ``r``; its household, grid and category from ``related`` when
        it has them, else loaded (only if selected) through the request's loaders."""
        view = queries.household_visibility(actor, slug) if visibility is None else visibility
        related_rows = related or {}
        household_id, grid_id, code = r.household_id, r.grid_id, r.category

        def household_of(row: HouseholdRow | None) -> HouseholdType | None:
            return None if row is None else HouseholdType.from_row(slug, row, view)

        def grid_of(grids: list[GridRow]) -> GridType | None:
            return next((GridType.of(g) for g in grids if g.id == grid_id), None)

        def category_of(rows: list[CategoryRow]) -> CategoryType | None:
            found = next((c for c in rows if c.code == code), None)
            return None if found is None else CategoryType.from_row(found)

        household: Any
        if "household" in related_rows:
            household = household_of(related_rows["household"].get(household_id))
        else:
            household = Pending(
                lambda: loaders.loader(info, households_by_id).load((slug, household_id)),
                household_of,
            )
        grid: Any
        if "grids" in related_rows:
            grid = grid_of(related_rows["grids"])
        else:
            grid = Pending(lambda: loaders.loader(info, grids_of_community).load(slug), grid_of)
        category: Any
        if "categories" in related_rows:
            category = category_of(related_rows["categories"])
        else:
            category = Pending(
                lambda: loaders.loader(info, categories_of_community).load(slug), category_of
            )
        suggestion = None
        if r.suggested_kind is not None:
            suggestion = SuggestionType(
                kind=MatterKindType(r.suggested_kind),
                reason_zh=r.suggestion_reason_zh,
                reason_en=r.suggestion_reason_en,
                rule_id=r.suggestion_rule_id,
            )
        return cls(
            id=strawberry.ID(str(r.id)),
            number=r.number,
            title=r.title,
            description=r.description,
            place=r.place,
            category_code=r.category,
            channel=ChannelType(r.channel),
            occurred_on=r.occurred_on,
            registered_at=r.registered_at,
            registered_by=r.registered_by,
            registered_by_role=RoleType(r.registered_by_role),
            status=MatterStatusType(r.status),
            kind=_kind(r.kind),
            responsible=_opt(ResponsiblePartyType, r.responsible),
            responsible_note=r.responsible_note,
            suggestion=suggestion,
            household_id=strawberry.ID(str(household_id)),
            grid_id=strawberry.ID(str(grid_id)),
            resolved_at=r.resolved_at,
            closed_at=r.closed_at,
            updated_at=r.updated_at,
            household=household,
            grid=grid,
            category=category,
            slug=slug,
            visibility=view,
            related=related,
        )

    def key(self) -> tuple[str, int]:
        """The (community slug, matter id) DataLoader key of this matter."""
        return (self.slug, int(self.id))

    def many(
        self,
        what: str,
        loader: DataLoader[tuple[str, int], list[Any]],
        build: Callable[[Any], T],
    ) -> list[T]:
        """Objects from the prefetched rows of ``what`` (a key of ``PREFETCH``), else
        (later) from ``loader``: how a field of any context under Matter answers."""
        if self.related is not None and what in self.related:
            return [build(r) for r in self.related[what].get(int(self.id), ())]

        async def load() -> list[T]:
            return [build(r) for r in await loader.load(self.key())]

        return later(load())

    def one(
        self,
        what: str,
        loader: DataLoader[tuple[str, int], Any],
        default: Any,
        build: Callable[[Any], T],
    ) -> T:
        """``build`` of the prefetched value of ``what`` (``default`` when the matter has
        none), else (later) of ``loader``'s."""
        if self.related is not None and what in self.related:
            return build(self.related[what].get(int(self.id), default))

        async def load() -> T:
            return build(await loader.load(self.key()))

        return later(load())

    @strawberry.field(
        description="三事归类单的全部版本（改类历史）/ Every classification sheet version"
    )
    def sheets(self, info: Info) -> list[ClassificationSheetType]:
        loader = loaders.loader(info, BY_MATTER["sheets"])
        return self.many("sheets", loader, ClassificationSheetType.from_row)

    @strawberry.field(description="状态变更历史 / Every status change, oldest first")
    def history(self, info: Info) -> list[MatterTransitionType]:
        loader = loaders.loader(info, BY_MATTER["history"])
        return self.many("history", loader, MatterTransitionType.from_row)

    @strawberry.field(description="转介记录 / Referrals to resident groups")
    def referrals(self, info: Info) -> list[ReferralType]:
        loader = loaders.loader(info, BY_MATTER["referrals"])
        return self.many("referrals", loader, lambda r: ReferralType.from_row(r, self.slug))

    @strawberry.field(description="协商记录 / Negotiations (minor matters)")
    def negotiations(self, info: Info) -> list[NegotiationType]:
        commitments = None
        if self.related is not None and "commitments" in self.related:
            commitments = self.related["commitments"].get(int(self.id), [])
        loader = loaders.loader(info, BY_MATTER["negotiations"])
        return self.many(
            "negotiations", loader, lambda r: NegotiationType.from_row(r, self.slug, commitments)
        )

    @strawberry.field(description="居民评价 / Residents' feedback")
    def feedback(self, info: Info) -> list[FeedbackType]:
        loader = loaders.loader(info, BY_MATTER["feedback"])
        return self.many("feedback", loader, FeedbackType.from_row)

    # Other contexts add their fields before allowedTransitions (the council's votes, where
    # a major matter went): see their CONTEXT declarations.

    @strawberry.field(
        description="当前状态可变更为 / Statuses the lifecycle allows next (which buttons to show)"
    )
    def allowed_transitions(self) -> list[MatterStatusType]:
        targets = model.allowed_targets(domain_member(MatterStatus, self.status))
        return [MatterStatusType(s.value) for s in MatterStatus if s in targets]


@strawberry.type(name="MatterPageInfo", description="分页信息 / Where this page ends")
class MatterPageInfoType:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(
        description="作为下一页的 after 参数 / Pass as `after` for the next page"
    )


@strawberry.type(
    name="MatterConnection",
    description="台账的一页（按登记时间倒序）/ A page of the ledger, newest registration first",
)
class MatterConnectionType:
    items: list[MatterType]
    page_info: MatterPageInfoType
    total_count: int = strawberry.field(
        description="筛选后的总条数 / Matters in the filtered ledger"
    )


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


@strawberry.input(name="MatterFilterInput", description="台账筛选条件 / Ledger filters")
class MatterFilterInput:
    grid_ids: list[strawberry.ID] | None = None
    kinds: list[MatterKindRef] | None = None
    statuses: list[MatterStatusType] | None = None
    categories: list[str] | None = None
    date_field: MatterDateFieldType = MatterDateFieldType.REGISTERED
    date_from: date | None = strawberry.field(default=None, description="含当日 / Inclusive")
    date_to: date | None = strawberry.field(default=None, description="含当日 / Inclusive")
    search: str | None = strawberry.field(
        default=None, description="标题、描述、编号、地点 / Title, description, number, place"
    )
    household_id: strawberry.ID | None = None

    def to_filter(self) -> queries.MatterFilter:
        try:
            grid_ids = tuple(int(g) for g in self.grid_ids or ())
            household = None if self.household_id is None else int(self.household_id)
        except ValueError:
            raise model.InvalidInput(field_zh="编号无效", field_en="malformed id") from None
        return queries.MatterFilter(
            grid_ids=grid_ids,
            kinds=tuple(domain_member(MatterKind, k) for k in self.kinds or ()),
            statuses=tuple(domain_member(MatterStatus, s) for s in self.statuses or ()),
            categories=tuple(self.categories or ()),
            # strawberry.enum unwraps enum_value(...): the member's value is the str.
            date_field=queries.DateField(cast(str, self.date_field.value)),
            date_from=self.date_from,
            date_to=self.date_to,
            search=self.search,
            household_id=household,
        )


@strawberry.input(name="RegisterRequestInput", description="登记诉求 / Register a request")
class RegisterRequestInput:
    household_id: strawberry.ID
    channel: ChannelType
    category: str = strawberry.field(description="类别代码 / Category code")
    title: str
    description: str
    occurred_on: date
    place: str = ""
    raised_by_resident_id: strawberry.ID | None = None


@strawberry.input(name="ReferMatterInput", description="转介 / Refer to a resident group")
class ReferMatterInput:
    group_ref: str = strawberry.field(description="组织编号 / The group's reference")
    group_name: str = strawberry.field(description="组织名称，如金色港湾义工队 / Its name")
    note: str = ""


@strawberry.input(name="CommitmentInput", description="一方的承诺 / One party's commitment")
class CommitmentInput:
    party: CommitmentPartyType
    party_name: str
    description: str
    due_on: date | None = None


@strawberry.input(name="NegotiationInput", description="协商记录 / A negotiation record")
class NegotiationInput:
    held_on: date
    participants: list[str]
    agreement: str
    place: str = ""
    commitments: list[CommitmentInput] = strawberry.field(default_factory=list)


@strawberry.input(
    name="ReclassifyMatterInput", description="重新归类或升格 / Change of kind (escalation)"
)
class ReclassifyMatterInput:
    kind: MatterKindRef
    reason: str
    evidence: list[str] = strawberry.field(default_factory=list)


@strawberry.input(name="FeedbackInput", description="居民评价 / A resident's rating")
class FeedbackInput:
    rating: SatisfactionType
    comment: str = ""
    reopen_reason: str | None = strawberry.field(
        default=None, description="不满意时必填 / Required when unsatisfied"
    )


@strawberry.input(name="CategoryInput", description="诉求类别 / A request category")
class CategoryInput:
    code: str
    name_zh: str
    name_en: str
    active: bool = True
    sort: int = 0


@strawberry.input(name="SuggestionRuleInput", description="建议规则 / A suggestion rule")
class SuggestionRuleInput:
    id: str
    category: str
    kind: MatterKindRef
    reason_zh: str
    reason_en: str
    priority: int = 0
    any_of: list[CircumstanceType] = strawberry.field(default_factory=list)
    all_of: list[CircumstanceType] = strawberry.field(default_factory=list)
    referable: bool = False
    active: bool = True


# --------------------------------------------------------------------------------------
# Fields under Community (declared in services/matters/context.py)
# --------------------------------------------------------------------------------------


async def _community_matters(
    root: CommunityType,
    info: Info,
    filter: MatterFilterInput | None = None,
    first: int = queries.DEFAULT_PAGE,
    after: str | None = None,
) -> MatterConnectionType:
    actor = require_principal(info)
    items = selected_names(info.selected_fields[0].selections).get("items", [])
    wanted = _related_for(items)
    try:
        filt = filter.to_filter() if filter else None
        page = await queries.list_matters(
            actor,
            root.slug,
            filt,
            first,
            after,
            community=root.registry,
            related=wanted,
            readers=_readers(wanted),
        )
    except SanshiError as err:
        raise query_error(info, err) from None
    related = page.related or None
    # One caller, one community: the masking decision is the same for every row.
    visibility = queries.household_visibility(actor, root.slug)
    return MatterConnectionType(
        items=[
            MatterType.from_row(r, root.slug, actor, info, related, visibility) for r in page.rows
        ],
        page_info=MatterPageInfoType(has_next_page=page.has_next_page, end_cursor=page.end_cursor),
        total_count=page.total_count,
    )


async def _community_matter(
    root: CommunityType, info: Info, id: strawberry.ID
) -> MatterType | None:
    actor = require_principal(info)
    try:
        matter_id = parse_id(id, MatterNotFound)
    except MatterNotFound:
        return None
    wanted = _related_for(info.selected_fields)
    found = await queries.get_matter(
        actor,
        root.slug,
        matter_id,
        community=root.registry,
        related=wanted,
        readers=_readers(wanted),
    )
    if found is None:
        return None
    return MatterType.from_row(found, root.slug, actor, info, found.related or None)


async def _community_categories(
    root: CommunityType, info: Info, include_inactive: bool = False
) -> list[CategoryType]:
    rows = await queries.list_categories(
        require_principal(info), root.slug, include_inactive=include_inactive
    )
    return [CategoryType.from_row(r) for r in rows]


async def _community_suggestion_rules(
    root: CommunityType, info: Info, include_inactive: bool = False
) -> list[SuggestionRuleType]:
    rows = await queries.list_suggestion_rules(
        require_principal(info), root.slug, include_inactive=include_inactive
    )
    return [SuggestionRuleType.from_row(r) for r in rows]


async def _community_matter_settings(root: CommunityType, info: Info) -> MatterSettingsType:
    row = await queries.matter_settings(require_principal(info), root.slug)
    return MatterSettingsType(matter_prefix=row.matter_prefix)


@strawberry.type
class CommunityMatters:
    """The matters context's fields on Community."""

    matters = strawberry.field(
        resolver=_community_matters,
        description="台账（登记造册）：筛选、搜索、分页；居民只看到本户的 / "
        "The ledger: filter, search, page; a resident sees their own household's only",
    )
    matter = strawberry.field(
        resolver=_community_matter,
        description="按编号取事项；不存在或不可见时为空 / A matter by id; null when missing or "
        "not visible",
    )
    categories = strawberry.field(
        resolver=_community_categories, description="诉求类别 / Request categories"
    )
    suggestion_rules = strawberry.field(
        resolver=_community_suggestion_rules, description="分流建议规则 / Suggestion rules"
    )
    matter_settings = strawberry.field(
        resolver=_community_matter_settings, description="事项设置 / Matter settings"
    )


# --------------------------------------------------------------------------------------
# Mutations
# --------------------------------------------------------------------------------------

_MATTER_ACT = (MatterNotFoundErrorType, IllegalTransitionErrorType, ReasonRequiredErrorType)
_RECORD = (MatterNotFoundErrorType, MatterNotOpenErrorType, WrongKindErrorType)

RegisterRequestResult = _result(
    "RegisterRequestResult",
    "登记的事项或失败原因 / The registered matter or why not",
    MatterType,
    HouseholdNotFoundErrorType,
    UnknownCategoryErrorType,
)
StartMatterResult = _result(
    "StartMatterResult", "开始办理 / Started, or why not", MatterType, *_MATTER_ACT
)
ResolveMatterResult = _result(
    "ResolveMatterResult", "已解决 / Resolved, or why not", MatterType, *_MATTER_ACT
)
CloseMatterResult = _result(
    "CloseMatterResult", "已办结 / Closed, or why not", MatterType, *_MATTER_ACT
)
WithdrawMatterResult = _result(
    "WithdrawMatterResult", "已撤回 / Withdrawn, or why not", MatterType, *_MATTER_ACT
)
ExplainPrivateMatterResult = _result(
    "ExplainPrivateMatterResult",
    "记录了说明的归类单 / The sheet with the explanation, or why not",
    ClassificationSheetType,
    *_RECORD,
)
ReferMatterResult = _result(
    "ReferMatterResult", "转介记录 / The referral, or why not", ReferralType, *_RECORD
)
RecordNegotiationResult = _result(
    "RecordNegotiationResult",
    "协商记录 / The negotiation, or why not",
    NegotiationType,
    *_RECORD,
)
MarkCommitmentResult = _result(
    "MarkCommitmentResult",
    "承诺兑现情况 / The commitment, or why not",
    CommitmentType,
    CommitmentNotFoundErrorType,
    MatterNotOpenErrorType,
)
ReclassifyMatterResult = _result(
    "ReclassifyMatterResult",
    "改类（升格）后的事项 / The reclassified matter, or why not",
    MatterType,
    MatterNotFoundErrorType,
    SameKindErrorType,
    CannotReclassifyErrorType,
    ReasonRequiredErrorType,
)
GiveFeedbackResult = _result(
    "GiveFeedbackResult",
    "评价后的事项（办结或重新办理）/ The matter after the rating (closed or reopened)",
    MatterType,
    MatterNotFoundErrorType,
    FeedbackBeforeResolutionErrorType,
    IllegalTransitionErrorType,
    ReasonRequiredErrorType,
)
SetCategoryResult = _result(
    "SetCategoryResult", "诉求类别 / The category, or why not", CategoryType
)
SetSuggestionRuleResult = _result(
    "SetSuggestionRuleResult",
    "建议规则 / The rule, or why not",
    SuggestionRuleType,
    UnknownCategoryErrorType,
    DuplicateRuleIdErrorType,
    AmbiguousRulesErrorType,
)
SetMatterPrefixResult = _result(
    "SetMatterPrefixResult", "事项设置 / The settings, or why not", MatterSettingsType
)


async def _attempt(
    info: Info,
    union: Any,
    act: Callable[[Principal], Awaitable[T]],
    wrap: Callable[[T, Principal], Any],
) -> Any:
    """``kit.attempt`` over a handler call and the wrapping of its value as the caller."""

    async def run(actor: Principal) -> Any:
        return wrap(await act(actor), actor)

    return await attempt(info, union, run)


def _matter(info: Info, slug: str) -> Callable[[MatterView, Principal], MatterType]:
    """The Matter of a handler's result, its selected rows read by the handler (``_shown``)."""
    return lambda view, actor: MatterType.from_row(view, slug, actor, info, view.related or None)


async def _matter_act(
    info: Info,
    union: Any,
    community: str,
    matter_id: strawberry.ID,
    act: Callable[..., Awaitable[MatterView]],
    **options: Any,
) -> Any:
    """A lifecycle act on one matter (start, resolve, close, withdraw): the handler called
    as the caller, reading what the result selects, and the matter it answers with."""
    return await _attempt(
        info,
        union,
        lambda actor: act(
            actor,
            community,
            parse_id(matter_id, MatterNotFound),
            info.context.settings,
            **options,
            **_shown(info),
        ),
        _matter(info, community),
    )


@strawberry.type
class MatterMutation:
    @strawberry.mutation(
        description="登记诉求（登记造册），附分流建议 / Register a request, with a suggested kind"
    )
    async def register_request(
        self, info: Info, community: str, input: RegisterRequestInput
    ) -> RegisterRequestResult:
        async def act(actor: Principal) -> MatterView:
            data = handlers.RegisterRequestInput(
                household_id=parse_id(input.household_id, HouseholdNotFound),
                channel=domain_member(Channel, input.channel),
                category=input.category,
                title=input.title,
                description=input.description,
                occurred_on=input.occurred_on,
                place=input.place,
                raised_by_resident_id=None
                if input.raised_by_resident_id is None
                else parse_id(input.raised_by_resident_id, HouseholdNotFound),
            )
            return await handlers.register_request(
                actor, community, data, info.context.settings, **_shown(info)
            )

        return await _attempt(info, RegisterRequestResult, act, _matter(info, community))

    @strawberry.mutation(
        description="开始办理（已归类/重新办理 → 办理中），可写明负责人 / "
        "Start handling (→ in progress), naming who does it"
    )
    async def start_matter(
        self, info: Info, community: str, matter_id: strawberry.ID, responsible_note: str = ""
    ) -> StartMatterResult:
        return await _matter_act(
            info,
            StartMatterResult,
            community,
            matter_id,
            handlers.start_matter,
            responsible_note=responsible_note,
        )

    @strawberry.mutation(description="办理完毕（→ 已解决）/ Mark solved (→ resolved)")
    async def resolve_matter(
        self, info: Info, community: str, matter_id: strawberry.ID, note: str = ""
    ) -> ResolveMatterResult:
        return await _matter_act(
            info, ResolveMatterResult, community, matter_id, handlers.resolve_matter, note=note
        )

    @strawberry.mutation(description="办结（已解决 → 已办结）/ Close a resolved matter")
    async def close_matter(
        self, info: Info, community: str, matter_id: strawberry.ID, note: str = ""
    ) -> CloseMatterResult:
        return await _matter_act(
            info, CloseMatterResult, community, matter_id, handlers.close_matter, note=note
        )

    @strawberry.mutation(description="撤回（须说明理由）/ Withdraw (a reason is required)")
    async def withdraw_matter(
        self, info: Info, community: str, matter_id: strawberry.ID, reason: str
    ) -> WithdrawMatterResult:
        return await _matter_act(
            info,
            WithdrawMatterResult,
            community,
            matter_id,
            handlers.withdraw_matter,
            reason=reason,
        )

    @strawberry.mutation(
        description="记录理事会对私事的说明（为何由居民自己负责）/ "
        "Record the council's explanation of why a private matter is the household's own"
    )
    async def explain_private_matter(
        self, info: Info, community: str, matter_id: strawberry.ID, explanation: str
    ) -> ExplainPrivateMatterResult:
        return await _attempt(
            info,
            ExplainPrivateMatterResult,
            lambda actor: handlers.explain_private_matter(
                actor,
                community,
                parse_id(matter_id, MatterNotFound),
                explanation,
                info.context.settings,
            ),
            lambda row, _actor: ClassificationSheetType.from_row(row),
        )

    @strawberry.mutation(
        description="转介私事（或小事）给义工队等居民组织 / "
        "Refer a private (or minor) matter to a volunteer team or resident group"
    )
    async def refer_matter(
        self, info: Info, community: str, matter_id: strawberry.ID, input: ReferMatterInput
    ) -> ReferMatterResult:
        return await _attempt(
            info,
            ReferMatterResult,
            lambda actor: handlers.refer_matter(
                actor,
                community,
                parse_id(matter_id, MatterNotFound),
                info.context.settings,
                group_ref=input.group_ref,
                group_name=input.group_name,
                note=input.note,
            ),
            lambda row, _actor: ReferralType.from_row(row, community),
        )

    @strawberry.mutation(
        description="记录小事的协商及各方承诺 / Record a negotiation on a minor matter"
    )
    async def record_negotiation(
        self, info: Info, community: str, matter_id: strawberry.ID, input: NegotiationInput
    ) -> RecordNegotiationResult:
        data = handlers.NegotiationInput(
            held_on=input.held_on,
            agreement=input.agreement,
            participants=tuple(input.participants),
            place=input.place,
            commitments=tuple(
                handlers.CommitmentInput(
                    party=cast(str, c.party.value),  # enum_value(...) unwrapped: a str
                    party_name=c.party_name,
                    description=c.description,
                    due_on=c.due_on,
                )
                for c in input.commitments
            ),
        )
        return await _attempt(
            info,
            RecordNegotiationResult,
            lambda actor: handlers.record_negotiation(
                actor, community, parse_id(matter_id, MatterNotFound), data, info.context.settings
            ),
            # Its commitments were written (and returned) with it: no loader to read them.
            lambda rows, _actor: NegotiationType.from_row(rows[0], community, rows[1]),
        )

    @strawberry.mutation(description="核实承诺是否兑现 / Record whether a commitment was kept")
    async def mark_commitment(
        self, info: Info, community: str, commitment_id: strawberry.ID, kept: bool
    ) -> MarkCommitmentResult:
        return await _attempt(
            info,
            MarkCommitmentResult,
            lambda actor: handlers.mark_commitment(
                actor, community, parse_id(commitment_id, handlers.CommitmentNotFound), kept
            ),
            lambda row, _actor: CommitmentType.from_row(row),
        )

    @strawberry.mutation(
        description="重新归类或升格（须说明理由，可附证据）；升为大事时转县级部门 / "
        "Change the kind (escalate 升格) with reason and evidence; major is routed onwards"
    )
    async def reclassify_matter(
        self, info: Info, community: str, matter_id: strawberry.ID, input: ReclassifyMatterInput
    ) -> ReclassifyMatterResult:
        return await _attempt(
            info,
            ReclassifyMatterResult,
            lambda actor: handlers.reclassify_matter(
                actor,
                community,
                parse_id(matter_id, MatterNotFound),
                domain_member(MatterKind, input.kind),
                info.context.settings,
                reason=input.reason,
                evidence=tuple(input.evidence),
                **_shown(info),
            ),
            _matter(info, community),
        )

    @strawberry.mutation(
        description="居民评价（满意/基本满意 → 办结；不满意 → 重新办理）/ "
        "Rate a resolved matter (satisfied closes it, unsatisfied reopens it)"
    )
    async def give_feedback(
        self, info: Info, community: str, matter_id: strawberry.ID, input: FeedbackInput
    ) -> GiveFeedbackResult:
        return await _attempt(
            info,
            GiveFeedbackResult,
            lambda actor: handlers.give_feedback(
                actor,
                community,
                parse_id(matter_id, MatterNotFound),
                domain_member(Satisfaction, input.rating),
                info.context.settings,
                comment=input.comment,
                reopen_reason=input.reopen_reason,
                **_shown(info),
            ),
            _matter(info, community),
        )

    @strawberry.mutation(description="新增或修改诉求类别 / Add or change a request category")
    async def set_category(
        self, info: Info, community: str, input: CategoryInput
    ) -> SetCategoryResult:
        return await _attempt(
            info,
            SetCategoryResult,
            lambda actor: handlers.set_category(
                actor,
                community,
                input.code,
                info.context.settings,
                name_zh=input.name_zh,
                name_en=input.name_en,
                active=input.active,
                sort=input.sort,
            ),
            lambda row, _actor: CategoryType.from_row(row),
        )

    @strawberry.mutation(description="新增或修改建议规则 / Add or change a suggestion rule")
    async def set_suggestion_rule(
        self, info: Info, community: str, input: SuggestionRuleInput
    ) -> SetSuggestionRuleResult:
        data = handlers.SuggestionRuleInput(
            id=input.id,
            category=input.category,
            kind=domain_member(MatterKind, input.kind),
            reason_zh=input.reason_zh,
            reason_en=input.reason_en,
            priority=input.priority,
            any_of=tuple(Circumstance(c.value) for c in input.any_of),
            all_of=tuple(Circumstance(c.value) for c in input.all_of),
            referable=input.referable,
            active=input.active,
        )
        return await _attempt(
            info,
            SetSuggestionRuleResult,
            lambda actor: handlers.set_suggestion_rule(
                actor, community, data, info.context.settings
            ),
            lambda row, _actor: SuggestionRuleType.from_row(row),
        )

    @strawberry.mutation(description="设置事项编号前缀 / Set the prefix of matter numbers")
    async def set_matter_prefix(
        self, info: Info, community: str, prefix: str
    ) -> SetMatterPrefixResult:
        return await _attempt(
            info,
            SetMatterPrefixResult,
            lambda actor: handlers.set_matter_prefix(actor, community, prefix),
            lambda row, _actor: MatterSettingsType(matter_prefix=row.matter_prefix),
        )
