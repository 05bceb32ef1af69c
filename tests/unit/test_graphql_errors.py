"""Expected failures map to GraphQL error types in one place, bilingual, closed per union."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import services
import tenants
import workers
from services import errors as e
from services.api.kit.errors import (
    ERROR_TYPES,
    ForbiddenErrorType,
    UnauthenticatedErrorType,
    as_error,
    error_type_for,
)
from services.grids.handlers import GridExists
from services.kernel import votes
from workers.errors import RabbitmqUnavailable, RedisUrlRequired

# Not shown through GraphQL, each for a reason: the abstract parent, the migrator's lock
# (only the CLI runs migrations), and the worker's start-up errors (CLI only).
NOT_IN_GRAPHQL = {e.SanshiError, e.MigrationInProgress, RedisUrlRequired, RabbitmqUnavailable}
# The vote kernel's refusals in its generic words: no field shows them yet (the council
# raises its own subclasses, which have types). The context that first raises one through
# GraphQL declares its type, on it or on a subclass in its own words, and takes it off here.
NOT_IN_GRAPHQL |= {
    votes.NoMajority,
    votes.Tie,
    votes.CastingVoteNotInTie,
    votes.NotAnOption,
}


def _import_everything() -> None:
    """Import every module, so the check sees every error class, whatever ran before."""
    for package in (services, tenants, workers):
        for mod in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(mod.name)


def _all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_all_subclasses(sub)}
    return out


def test_every_domain_error_has_a_graphql_type():
    """Each SanshiError subclass (bar the listed exceptions) maps to an error type."""
    _import_everything()
    missing = [
        c.__name__
        for c in _all_subclasses(e.SanshiError) | {GridExists}
        if c not in NOT_IN_GRAPHQL and error_type_for(c.__new__(c)) is None
    ]
    assert missing == []


def test_error_type_names_end_in_error_and_are_distinct():
    """Public names are `<Kind>Error`, one per domain error class."""
    names = [t.__strawberry_definition__.name for t in ERROR_TYPES.values()]
    assert all(n.endswith("Error") for n in names)
    assert len(set(names)) == len(names)


def test_as_error_carries_code_and_both_languages():
    """The union member holds the stable code, the Chinese and the English message."""
    err = as_error(e.CommunityExists(slug="donghai"), tuple(ERROR_TYPES.values()))
    assert err.code == "COMMUNITY_EXISTS"
    assert "donghai" in err.message and "已存在" in err.message
    assert "already exists" in err.message_en


def test_subclass_maps_to_parent_type():
    """TokenExpired has no own type: it is an UnauthenticatedError with its own code."""
    err = as_error(e.TokenExpired(), (UnauthenticatedErrorType,))
    assert isinstance(err, UnauthenticatedErrorType)
    assert err.code == "TOKEN_EXPIRED"


def test_error_outside_the_union_is_reraised():
    """An error the union does not declare is a bug: it propagates (to be masked)."""
    with pytest.raises(e.CommunityExists):
        as_error(e.CommunityExists(slug="x"), (ForbiddenErrorType,))


def test_result_unions_expose_their_error_members():
    """The error tuples used by resolvers are read from the unions themselves (no drift)."""
    from services.api.kit.errors import ConfirmationRequiredErrorType
    from services.api.kit.results import error_members
    from services.communities.api import ArchiveCommunityResult, CreateCommunityResult
    from services.grids.api import CreateGridResult, GridExistsErrorType

    ARCHIVE_COMMUNITY_ERRORS = error_members(ArchiveCommunityResult)
    CREATE_COMMUNITY_ERRORS = error_members(CreateCommunityResult)
    CREATE_GRID_ERRORS = error_members(CreateGridResult)

    assert GridExistsErrorType in CREATE_GRID_ERRORS
    assert ConfirmationRequiredErrorType in ARCHIVE_COMMUNITY_ERRORS
    assert ConfirmationRequiredErrorType not in CREATE_COMMUNITY_ERRORS
    for members in (CREATE_GRID_ERRORS, CREATE_COMMUNITY_ERRORS, ARCHIVE_COMMUNITY_ERRORS):
        assert UnauthenticatedErrorType in members and ForbiddenErrorType in members


def test_role_enum_matches_domain_roles():
    """The GraphQL Role enum has exactly the domain's roles, values and bilingual labels."""
    from services.auth.api import RoleType
    from services.auth.model import Role

    assert [(m.name, m.value) for m in RoleType] == [(r.name, r.value) for r in Role]
    values = {v.name: v.description for v in RoleType.__strawberry_definition__.values}
    assert values["COMMUNITY_CADRE"] == "社区干部 / Community cadre"
