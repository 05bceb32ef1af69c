"""Community slugs and the schema names derived from them (validated before any SQL)."""

from __future__ import annotations

import re

from services.errors import InvalidSlug

SLUG_RE = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
SCHEMA_PREFIX = "c_"
PLATFORM_SCHEMA = "platform"


def validate_slug(slug: object) -> str:
    """Return ``slug`` if it is a well-formed community slug, else raise InvalidSlug.

    Everything that reaches SQL as an identifier passes through here first, so
    ``public``-like names, commas, quotes and overlong names never get near the database.
    (``public`` itself matches the pattern but maps to schema ``c_public``, never ``public``.)
    """
    if not isinstance(slug, str) or not SLUG_RE.fullmatch(slug):
        raise InvalidSlug()
    return slug


def schema_for(slug: str) -> str:
    """The PostgreSQL schema that holds a community's data: ``c_<slug>``."""
    return SCHEMA_PREFIX + validate_slug(slug)


def is_valid_slug(slug: object) -> bool:
    return isinstance(slug, str) and SLUG_RE.fullmatch(slug) is not None
