"""Community slugs and the schema names derived from them (validated before any SQL)."""

from __future__ import annotations

import re

from services.errors import InvalidSlug

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# Names that look like PostgreSQL's or ours are refused outright, although they would map
# to a harmless ``c_<name>``: nobody should be able to make `c_public` look like `public`.
RESERVED = frozenset({"public", "information_schema", "platform", "sanshi_no_tenant"})
RESERVED_PREFIXES = ("pg_",)
SCHEMA_PREFIX = "c_"
PLATFORM_SCHEMA = "platform"


def validate_slug(slug: object) -> str:
    """Return ``slug`` if it is a well-formed community slug, else raise InvalidSlug.

    Everything that reaches SQL as an identifier passes through here first, so
    reserved names (``public``, ``pg_*``), commas, quotes and overlong names never get
    near the database.
    """
    if not is_valid_slug(slug):
        raise InvalidSlug()
    return slug  # type: ignore[return-value]


def schema_for(slug: str) -> str:
    """The PostgreSQL schema that holds a community's data: ``c_<slug>``."""
    return SCHEMA_PREFIX + validate_slug(slug)


def is_valid_slug(slug: object) -> bool:
    return (
        isinstance(slug, str)
        and SLUG_RE.fullmatch(slug) is not None
        and slug not in RESERVED
        and not slug.startswith(RESERVED_PREFIXES)
    )
