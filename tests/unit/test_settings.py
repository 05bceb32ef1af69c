"""Settings from the environment: defaults, parsing, and values that must be refused."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from services import settings as settings_module
from services.settings import Settings, SettingsError


def test_empty_environment_gives_the_embedded_development_defaults():
    """No variables at all: development, embedded servers under ./var, 127.0.0.1:8000."""
    s = Settings.from_env({})
    assert s.environment == "development"
    assert s.database_url is None and s.redis_url is None
    assert s.data_dir == Path("var")
    assert (s.host, s.port) == ("127.0.0.1", 8000)
    assert s.graphiql is True
    assert s.placements == {}
    assert s.broker == "redis"


def test_empty_environment_gives_the_dataclass_defaults_field_by_field():
    """from_env({}) is Settings(): every default comes from the field, none from from_env."""
    read, default = Settings.from_env({}), Settings()
    for f in dataclasses.fields(Settings):
        assert getattr(read, f.name) == getattr(default, f.name), f.name
    assert read == default


def test_from_env_takes_defaults_from_the_fields():
    """A subclass with other field defaults gets those from from_env: no second copy."""

    @dataclasses.dataclass(frozen=True)
    class Other(Settings):
        data_dir: Path = Path("/elsewhere")
        port: int = 9999
        db_pool_max: int = 3
        graphiql: bool = False
        broker: str = "rabbitmq"
        outbox_poll_interval_s: float = 1.5
        scheduler_interval_s: float = 30.0

    s = Other.from_env({})
    assert isinstance(s, Other)
    assert s.data_dir == Path("/elsewhere")
    assert (s.port, s.db_pool_max, s.graphiql) == (9999, 3, False)
    assert (s.broker, s.outbox_poll_interval_s, s.scheduler_interval_s) == ("rabbitmq", 1.5, 30.0)
    assert Other.from_env({"SANSHI_PORT": "8001"}).port == 8001


def test_every_configurable_field_has_one_variable():
    """Each field is set by exactly one variable (but the fixed JWT issuer and audience)."""
    table = settings_module._VARIABLES
    names = [name for name, _, _ in table]
    variables = [variable for _, variable, _ in table]
    assert len(set(names)) == len(names) and len(set(variables)) == len(variables)
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert set(names) <= fields
    assert fields - set(names) == {"jwt_issuer", "jwt_audience"}


def test_empty_numbers_and_switches_mean_the_default():
    """An exported-but-empty number, switch, URL or secret counts as unset."""
    empty = {
        variable: ""
        for _, variable, parse in settings_module._VARIABLES
        if parse not in (settings_module._text, settings_module._path)
    }
    assert "SANSHI_PORT" in empty and "SANSHI_GRAPHIQL" in empty
    assert Settings.from_env(empty) == Settings()


def test_scheduler_interval_is_read_and_bounded():
    """SANSHI_SCHEDULER_INTERVAL_S defaults to 60 s and accepts 1 to 86400 seconds."""
    assert Settings.from_env({}).scheduler_interval_s == 60.0
    for raw, expected in (("1", 1.0), ("2.5", 2.5), ("86400", 86_400.0)):
        assert Settings.from_env({"SANSHI_SCHEDULER_INTERVAL_S": raw}).scheduler_interval_s == (
            expected
        )
    with pytest.raises(SettingsError, match="between 1 and 86400"):
        Settings.from_env({"SANSHI_SCHEDULER_INTERVAL_S": "0"})


def test_urls_ports_and_paths_are_read():
    """DATABASE_URL, REDIS_URL, SANSHI_DATA_DIR, SANSHI_HOST and SANSHI_PORT are taken as given."""
    s = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://u@db:5432/sanshi",
            "REDIS_URL": "redis://cache:6379/1",
            "SANSHI_DATA_DIR": "/srv/sanshi",
            "SANSHI_HOST": "10.0.0.5",
            "SANSHI_PORT": "9001",
            "SANSHI_DB_POOL_MAX": "25",
            "SANSHI_DB_POOL_MAX_IDLE_S": "12.5",
            "SANSHI_MIGRATE_WORKERS": "4",
        }
    )
    assert s.database_url == "postgresql://u@db:5432/sanshi"
    assert s.redis_url == "redis://cache:6379/1"
    assert s.data_dir == Path("/srv/sanshi")
    assert (s.host, s.port) == ("10.0.0.5", 9001)
    assert s.db_pool_max == 25
    assert s.db_pool_max_inactive_lifetime == 12.5
    assert s.migrate_workers == 4


def test_empty_urls_mean_embedded():
    """An exported-but-empty DATABASE_URL/REDIS_URL counts as unset (embedded servers)."""
    s = Settings.from_env({"DATABASE_URL": "", "REDIS_URL": ""})
    assert s.database_url is None and s.redis_url is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SANSHI_PORT", "eighty"),
        ("SANSHI_DB_POOL_MAX", "1.5"),
        ("SANSHI_DB_POOL_MAX_IDLE_S", "soon"),
        ("SANSHI_GRAPHIQL", "maybe"),
        ("SANSHI_ENV", "staging"),
        ("SANSHI_MIGRATE_WORKERS", "0"),
        ("SANSHI_MIGRATE_WORKERS", "9"),
        ("SANSHI_BROKER", "kafka"),
        ("SANSHI_PLACEMENTS", "east"),
        ("SANSHI_PLACEMENTS", "=postgresql://x/y"),
        ("SANSHI_SCHEDULER_INTERVAL_S", "soon"),
        ("SANSHI_SCHEDULER_INTERVAL_S", "0.5"),
        ("SANSHI_SCHEDULER_INTERVAL_S", "86401"),
        ("SANSHI_SCHEDULER_INTERVAL_S", "nan"),
    ],
)
def test_bad_values_raise_settings_error(name, value):
    """A value that cannot be used is a SettingsError naming the variable, not a default."""
    with pytest.raises(SettingsError) as info:
        Settings.from_env({name: value})
    assert name in str(info.value)


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("OFF", False)])
def test_booleans_accept_the_usual_spellings(raw, expected):
    """SANSHI_GRAPHIQL accepts 1/yes/on and 0/no/off in any case."""
    assert Settings.from_env({"SANSHI_GRAPHIQL": raw}).graphiql is expected


def test_production_requires_a_jwt_secret():
    """SANSHI_ENV=production without SANSHI_JWT_SECRET is refused (no on-disk dev secret)."""
    with pytest.raises(SettingsError, match="SANSHI_JWT_SECRET"):
        Settings.from_env({"SANSHI_ENV": "production"})


def test_production_with_secret_turns_graphiql_off_by_default():
    """Production with a secret is accepted; GraphiQL is off unless asked for."""
    s = Settings.from_env({"SANSHI_ENV": "production", "SANSHI_JWT_SECRET": "x" * 48})
    assert s.is_production
    assert s.jwt_secret == "x" * 48
    assert s.graphiql is False
    s = Settings.from_env(
        {"SANSHI_ENV": "production", "SANSHI_JWT_SECRET": "x" * 48, "SANSHI_GRAPHIQL": "on"}
    )
    assert s.graphiql is True


def test_placements_are_parsed_into_a_mapping():
    """SANSHI_PLACEMENTS `name=url;name=url` lists extra databases for communities."""
    s = Settings.from_env({"SANSHI_PLACEMENTS": "east=postgresql://e/db; west=postgresql://w/db;"})
    assert s.placements == {"east": "postgresql://e/db", "west": "postgresql://w/db"}


def test_with_overrides_returns_a_changed_copy():
    """with_overrides leaves the original untouched (settings are shared, frozen values)."""
    s = Settings.from_env({})
    t = s.with_overrides(database_url="postgresql://x/y", port=1234)
    assert (t.database_url, t.port) == ("postgresql://x/y", 1234)
    assert (s.database_url, s.port) == (None, 8000)


def test_get_settings_reads_the_process_environment_once(monkeypatch):
    """get_settings() is cached: later environment changes need an explicit cache_clear()."""
    settings_module.get_settings.cache_clear()
    try:
        monkeypatch.setenv("SANSHI_PORT", "8123")
        first = settings_module.get_settings()
        monkeypatch.setenv("SANSHI_PORT", "8124")
        assert settings_module.get_settings() is first
        assert first.port == 8123
    finally:
        settings_module.get_settings.cache_clear()


def test_every_variable_settings_reads_is_documented():
    """docs/running.md's configuration table names every variable services/settings.py reads."""
    root = Path(__file__).resolve().parents[2]
    source = (root / "services" / "settings.py").read_text(encoding="utf-8")
    read = set(re.findall(r'"((?:SANSHI_|DATABASE_|REDIS_)[A-Z0-9_]+)"', source))
    assert {"DATABASE_URL", "REDIS_URL", "SANSHI_ENV"} <= read
    table = (root / "docs" / "running.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", table, re.MULTILINE))
    assert read - documented == set(), "undocumented in docs/running.md"
