"""The platform registry of counties and communities (Piccolo tables, platform schema)."""

from __future__ import annotations

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE
from tenants.slugs import PLATFORM_SCHEMA


class County(Table, tablename="counties", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A county (县): the unit whose communities roll out three-matter triage together."""

    code = Varchar(length=41, primary_key=True)
    name_zh = Text()
    name_en = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Community(Table, tablename="communities", schema=PLATFORM_SCHEMA, db=ENGINE):
    """A community (社区): one tenant, whose data lives in schema ``c_<slug>``.

    ``placement`` names the database the schema lives in; ``schema_version`` mirrors the
    community's own ``schema_migrations`` (written in the same transaction).
    """

    slug = Varchar(length=41, primary_key=True)
    name_zh = Text()
    name_en = Text(default="")
    county_code = Varchar(length=41)
    status = Varchar(length=20, default="provisioning")
    schema_version = Integer(default=0)
    placement = Varchar(length=60, default="default")
    created_at = Timestamptz(default=TimestamptzNow())
    archived_at = Timestamptz(null=True, default=None)
