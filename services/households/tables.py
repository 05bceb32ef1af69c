"""Tenant tables of the households context (no schema: the tenant transaction decides)."""

from __future__ import annotations

from piccolo.columns import Boolean, Integer, Serial, Text, Timestamptz
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from tenants.db import ENGINE


class Household(Table, tablename="households", db=ENGINE):
    """A household (户) of one grid; its circumstances change how its requests are triaged.

    The circumstance columns are sensitive: only roles that need them see them.
    """

    id = Serial(primary_key=True)
    grid_id = Integer()
    address = Text()
    size = Integer(default=1)
    elderly_living_alone = Boolean(default=False)
    elderly_without_family = Boolean(default=False)
    disability = Boolean(default=False)
    subsistence_allowance = Boolean(default=False)
    renting = Boolean(default=False)
    notes = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Resident(Table, tablename="residents", db=ENGINE):
    """A resident (居民) of a household; ``subject`` links a resident's login to them."""

    id = Serial(primary_key=True)
    household_id = Integer()
    name = Text()
    phone = Text(default="")
    subject = Text(null=True, default=None, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Staff(Table, tablename="staff", db=ENGINE):
    """Community staff with a login: cadres (社区干部) and grid workers (网格员)."""

    id = Serial(primary_key=True)
    subject = Text(unique=True)
    name = Text()
    role = Text()
    grid_id = Integer(null=True, default=None)
    phone = Text(default="")
    active = Boolean(default=True)
