"""Use cases on the community registry; GraphQL, the CLI and workers all call these."""

from __future__ import annotations

from dataclasses import asdict

from services import audit
from services.auth.model import (
    Principal,
    Role,
    can_manage_communities,
    can_read_community,
    visible_counties,
)
from services.auth.permissions import Op, allowed
from services.contexts import county_created_hooks
from services.errors import CommunityArchived, CommunityNotFound, ConfirmationRequired, Forbidden
from services.kernel.registration import resolve
from tenants import provisioning
from tenants.db import DEFAULT_PLACEMENT
from tenants.provisioning import CommunityInfo
from tenants.slugs import is_valid_slug
from tenants.tx import platform_tx


async def access_community_by_slug(actor: Principal, slug: str) -> CommunityInfo:
    """The community, if ``actor`` may see it; CommunityNotFound otherwise.

    "Not yours" and "does not exist" (and "not even a valid slug") fail the same way,
    so a user of community A learns nothing about community B.
    """
    if not is_valid_slug(slug):
        raise CommunityNotFound()
    info = await provisioning.get_community(slug)
    if not can_read_community(actor, info.slug, info.county_code):
        raise CommunityNotFound()
    return info


async def community_for(
    actor: Principal, slug: str, op: Op, *, write: bool = True
) -> CommunityInfo:
    """The community, if ``actor`` may perform ``op`` in it.

    Not visible -> CommunityNotFound (the same as missing); visible but the role may not
    do ``op`` -> Forbidden; a write on an archived community -> CommunityArchived.
    """
    info = await access_community_by_slug(actor, slug)
    if not allowed(actor, op, info.slug, info.county_code):
        raise Forbidden()
    if write and info.status == "archived":
        raise CommunityArchived(slug=slug)
    return info


async def list_communities(
    actor: Principal, county_code: str | None = None, *, include_archived: bool = True
) -> list[CommunityInfo]:
    """Communities the actor may see, optionally of one county."""
    counties = visible_counties(actor)
    if counties is not None and county_code is not None and county_code not in counties:
        return []
    infos = await provisioning.list_communities(county_code, include_archived=include_archived)
    return [i for i in infos if can_read_community(actor, i.slug, i.county_code)]


async def create_community(
    actor: Principal,
    slug: str,
    name_zh: str,
    county_code: str,
    *,
    name_en: str = "",
    placement: str = DEFAULT_PLACEMENT,
) -> CommunityInfo:
    """Provision a community (schema + migrations) and record who did it."""
    if not can_manage_communities(actor, county_code):
        raise Forbidden()
    info = await provisioning.create_community(
        slug, name_zh, county_code, name_en=name_en, placement=placement
    )
    async with platform_tx() as tx:
        await audit.record(
            tx, actor, "community.create", f"community:{slug}", after=asdict(info), platform=True
        )
    return info


async def archive_community(actor: Principal, slug: str, *, confirm_slug: str) -> CommunityInfo:
    """Archive a community (data kept, read-only). The slug must be given twice."""
    info = await access_community_by_slug(actor, slug)
    if not can_manage_communities(actor, info.county_code):
        raise Forbidden()
    if confirm_slug != slug:
        raise ConfirmationRequired(slug=slug)
    after = await provisioning.archive_community(slug)
    async with platform_tx() as tx:
        await audit.record(
            tx,
            actor,
            "community.archive",
            f"community:{slug}",
            before=asdict(info),
            after=asdict(after),
            platform=True,
        )
    return after


async def create_county(actor: Principal, code: str, name_zh: str, name_en: str = "") -> bool:
    """Create county ``code``, and what every context needs of a new county (its default
    departments, routing rules and deadlines: each context's ``on_county_created``).

    Idempotent: an existing county is left as it is, but gets any default it lacks (the
    hooks never overwrite an administrator's edits). True if the county was created now.
    Audited as ``county.create``.
    """
    if not (actor.has(Role.COUNTY_ADMIN) and actor.scope.id == "*"):
        raise Forbidden()  # counties are created by the platform operator (CLI, seed)
    created = await provisioning.ensure_county(code, name_zh, name_en)
    if created:
        async with platform_tx() as tx:
            await audit.record(
                tx,
                actor,
                "county.create",
                f"county:{code}",
                after={"code": code, "name_zh": name_zh, "name_en": name_en},
                platform=True,
            )
    for ref in county_created_hooks():
        await resolve(ref)(code, actor)
    return created
