"""The permission matrix: which role may do which operation in a community (pure data).

Rows are operations, columns are roles. A community-scoped role applies in its own
community; county-scoped roles apply in every community of their county. Some operations
are further limited to the actor's own household (residents) or own seat (council
members); those checks live in the handlers, which know the rows involved.
"""

from __future__ import annotations

import enum

from services.auth.model import Principal, Role, ScopeKind, in_county


class Op(enum.StrEnum):
    """Operations in a community. Values are stable (tests and docs name them)."""

    VIEW_LEDGER = "view_ledger"  # list/search/export all requests of the community
    EXPORT_LEDGER = "export_ledger"
    VIEW_OWN_MATTERS = "view_own_matters"  # a resident: their household's requests
    VIEW_CIRCUMSTANCES = "view_circumstances"  # sensitive household circumstances
    VIEW_CONTACTS = "view_contacts"  # residents' phone numbers unmasked
    MANAGE_HOUSEHOLDS = "manage_households"  # households, residents
    MANAGE_STAFF = "manage_staff"
    REGISTER_REQUEST = "register_request"
    MANAGE_CATEGORIES = "manage_categories"  # categories, suggestion rules, settings
    MANAGE_COUNCIL = "manage_council"  # elections, sessions, attendance, agenda
    CAST_VOTE = "cast_vote"  # a council member, for their own seat
    DECIDE = "decide"  # close the deliberation of an agenda item
    RECLASSIFY = "reclassify"  # change of kind / escalation 升格
    FOLLOW_UP = "follow_up"  # start, resolve, close; referrals; negotiations; commitments
    WITHDRAW = "withdraw"
    GIVE_FEEDBACK = "give_feedback"  # resident for own household; grid worker on behalf


_C = Role.COMMUNITY_CADRE
_G = Role.GRID_WORKER
_M = Role.COUNCIL_MEMBER
_R = Role.RESIDENT
_A = Role.COUNTY_ADMIN
_L = Role.COUNTY_LEADER

MATRIX: dict[Op, frozenset[Role]] = {
    Op.VIEW_LEDGER: frozenset({_C, _G, _M, _A, _L}),
    Op.EXPORT_LEDGER: frozenset({_C, _A}),
    Op.VIEW_OWN_MATTERS: frozenset({_R}),
    Op.VIEW_CIRCUMSTANCES: frozenset({_C, _G, _M}),
    Op.VIEW_CONTACTS: frozenset({_C, _G}),
    Op.MANAGE_HOUSEHOLDS: frozenset({_C, _G}),
    Op.MANAGE_STAFF: frozenset({_C}),
    Op.REGISTER_REQUEST: frozenset({_C, _G, _M, _R}),
    Op.MANAGE_CATEGORIES: frozenset({_C}),
    Op.MANAGE_COUNCIL: frozenset({_C}),
    Op.CAST_VOTE: frozenset({_M}),
    Op.DECIDE: frozenset({_C}),
    Op.RECLASSIFY: frozenset({_C, _G}),
    Op.FOLLOW_UP: frozenset({_C, _G}),
    Op.WITHDRAW: frozenset({_C, _G, _R}),
    Op.GIVE_FEEDBACK: frozenset({_G, _R}),
}


def allowed(actor: Principal, op: Op, slug: str, county: str) -> bool:
    """May ``actor`` perform ``op`` in community ``slug`` (of ``county``)?

    The role must be in the matrix row AND held in a scope that covers the community.
    """
    roles = MATRIX[op].intersection(actor.roles)
    if not roles:
        return False
    scope = actor.scope
    if scope.kind is ScopeKind.COMMUNITY:
        return scope.id == slug
    if scope.kind is ScopeKind.COUNTY:
        return in_county(actor, county)
    return False
