"""Slug rules: what may name a community schema."""

import pytest

from services.errors import InvalidSlug
from tenants.slugs import is_valid_slug, schema_for, validate_slug


@pytest.mark.parametrize("slug", ["donghai", "jinping_2", "ab", "a" + "b" * 40])
def test_good_slugs_map_to_their_schema(slug):
    """Well-formed slugs pass and map to c_<slug>."""
    assert validate_slug(slug) == slug
    assert schema_for(slug) == f"c_{slug}"


@pytest.mark.parametrize(
    "slug",
    [
        "public",
        "pg_catalog",
        "pg_x",
        "platform",
        "information_schema",
        "a",
        "a" * 42,
        "Dong",
        "dong-hai",
        "dong hai",
        "东海",
        "a,b",
        "a;b",
        'a"',
        "",
        None,
        3.5,
    ],
    ids=repr,
)
def test_bad_slugs_are_refused(slug):
    """Reserved, malformed, overlong and non-string slugs raise InvalidSlug."""
    assert not is_valid_slug(slug)
    with pytest.raises(InvalidSlug) as err:
        validate_slug(slug)
    assert err.value.code == "INVALID_SLUG"
    assert (
        "社区标识无效" in err.value.message_zh and "Invalid community slug" in err.value.message_en
    )
