"""Actor and topic registry: declared without a broker, bound on demand."""

from __future__ import annotations

import pytest
from dramatiq.brokers.stub import StubBroker

from workers import registry
from workers.errors import UnknownTopic


def _noop(**kwargs: object) -> None:
    """A test actor body."""


def test_declared_actor_binds_to_a_stub_broker_and_is_removed_after():
    """An actor declared for a block is bound by bind() and gone after the block."""
    spec = registry.ActorSpec("test.registry_bind", _noop, "testq", options={"max_retries": 1})
    broker = StubBroker()
    with registry.declared(spec, topic_map={"test.registry_topic": "test.registry_bind"}):
        registry.bind(broker)
        actor = broker.get_actor("test.registry_bind")
        assert actor.queue_name == "testq"
        assert actor.options == {"max_retries": 1}
        assert registry.actor_for_topic("test.registry_topic").name == "test.registry_bind"
    assert "test.registry_bind" not in {s.name for s in registry.specs()}
    assert "test.registry_topic" not in registry.topics()


def test_bind_twice_leaves_bound_actors_alone():
    """Binding the same broker again does not redeclare (Dramatiq would raise)."""
    broker = StubBroker()
    with registry.declared(registry.ActorSpec("test.registry_twice", _noop)):
        registry.bind(broker)
        registry.bind(broker)
        assert "test.registry_twice" in broker.actors


def test_unknown_topic_is_an_error():
    """A topic no actor handles raises UnknownTopic naming the topic."""
    with pytest.raises(UnknownTopic, match=r"nobody\.handles_this"):
        registry.actor_for_topic("nobody.handles_this")


@pytest.mark.parametrize("name", ["heartbeat", "Routing.route", "routing.", "routing route", ""])
def test_actor_names_must_be_stable_dotted_names(name):
    """Names that are not dotted lowercase identifiers are refused at declaration."""
    with pytest.raises(ValueError):
        registry.actor(name)(_noop)


def test_two_functions_cannot_share_a_name_and_a_topic_has_one_actor():
    """Redeclaring a name with another function, or a topic to another actor, fails."""

    def other(**kwargs: object) -> None:
        """Another body."""

    with registry.declared(registry.ActorSpec("test.registry_dup", _noop)):
        with pytest.raises(ValueError):
            registry.actor("test.registry_dup")(other)
        registry.topic("test.registry_duptopic", "test.registry_dup")
        try:
            with pytest.raises(ValueError):
                registry.topic("test.registry_duptopic", "system.heartbeat")
        finally:
            registry._topics.pop("test.registry_duptopic", None)


def test_unknown_dramatiq_option_is_refused_at_bind():
    """A misspelt Dramatiq option fails when bound, naming the actor."""
    spec = registry.ActorSpec("test.registry_badopt", _noop, options={"max_retrys": 3})
    with registry.declared(spec), pytest.raises(ValueError, match=r"test\.registry_badopt"):
        registry.bind(StubBroker())


def test_system_heartbeat_is_declared_with_its_topic():
    """Loading the actor modules declares system.heartbeat and its topic."""
    registry.load_actor_modules()
    assert registry.actor_for_topic("system.heartbeat").name == "system.heartbeat"
