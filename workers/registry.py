"""Actors and outbox topics, declared without a broker and bound when the worker starts.

``@dramatiq.actor`` binds to ``dramatiq.get_broker()`` at import time, which silently
builds a default broker (RabbitMQ on localhost, or Redis on localhost) before settings are
read. Our actors are declared here instead; ``bind(broker)`` turns them into Dramatiq
actors on the broker ``workers.broker.setup_broker(settings)`` built.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from workers.errors import UnknownTopic

F = TypeVar("F", bound=Callable[..., Any])

# Modules whose import declares actors and topics: the platform's own, then every
# context's (declared in its CONTEXT, services/contexts.py); the worker and `enqueue` load them.
PLATFORM_ACTOR_MODULES: tuple[str, ...] = ("workers.system",)

# Stable dotted names ("routing.route_major_matter"): they are stored in Redis messages
# and outbox rows, so renaming one strands messages already queued.
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_QUEUE_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class ActorSpec:
    """An actor as declared: its stable name, function, queue and Dramatiq options."""

    name: str
    fn: Callable[..., Any]
    queue_name: str = "default"
    priority: int = 0
    options: dict[str, Any] = field(default_factory=dict)


_actors: dict[str, ActorSpec] = {}
_topics: dict[str, str] = {}


def actor(
    name: str,
    *,
    queue: str = "default",
    priority: int = 0,
    topics: Iterable[str] = (),
    **options: Any,
) -> Callable[[F], F]:
    """Declare ``fn`` as the actor ``name`` (bound to a broker later); returns ``fn`` unchanged.

    ``topics`` are outbox topics delivered to this actor. ``options`` are Dramatiq actor
    options (``max_retries``, ``time_limit``, ``throws``, ...), checked when bound.
    """
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"actor name {name!r} must be dotted lowercase, e.g. 'routing.route'")
    if not _QUEUE_RE.fullmatch(queue):
        raise ValueError(f"queue name {queue!r} must be lowercase letters, digits, _")

    def decorator(fn: F) -> F:
        existing = _actors.get(name)
        if existing is not None and existing.fn is not fn:
            raise ValueError(f"an actor named {name!r} is already declared")
        _actors[name] = ActorSpec(name, fn, queue, priority, dict(options))
        for t in topics:
            topic(t, name)
        return fn

    return decorator


def topic(name: str, actor_name: str) -> None:
    """Deliver outbox messages of topic ``name`` to the actor ``actor_name``."""
    if not _NAME_RE.fullmatch(name):
        raise ValueError(f"topic {name!r} must be dotted lowercase, e.g. 'matter.major'")
    current = _topics.get(name)
    if current is not None and current != actor_name:
        raise ValueError(f"topic {name!r} already goes to {current!r}")
    _topics[name] = actor_name


def actor_module_names() -> tuple[str, ...]:
    """The platform's actor modules and every context's."""
    from services.contexts import actor_modules

    return (*PLATFORM_ACTOR_MODULES, *actor_modules())


def load_actor_modules() -> None:
    """Import every actor module (declaring is pure Python: no I/O)."""
    for module in actor_module_names():
        importlib.import_module(module)


def actor_for_topic(name: str) -> ActorSpec:
    """The actor a topic is delivered to; UnknownTopic if none is declared."""
    actor_name = _topics.get(name)
    spec = _actors.get(actor_name) if actor_name else None
    if spec is None:
        raise UnknownTopic(name)
    return spec


def check_topic(name: str) -> None:
    """UnknownTopic unless ``name`` is a declared topic (its actor may not be built yet)."""
    if name not in _topics:
        raise UnknownTopic(topic=name)


def routable_topics() -> list[str]:
    """Topics whose actor is declared in this process: the relay publishes only these.

    A topic may be declared before its consumer exists (a producer deployed first, e.g.
    ``matter.major`` before routing): its rows wait, unsent and unharmed, in the outbox.
    """
    return sorted(t for t, a in _topics.items() if a in _actors)


def specs() -> list[ActorSpec]:
    """Every declared actor."""
    return list(_actors.values())


def topics() -> dict[str, str]:
    """A copy of the topic -> actor name map."""
    return dict(_topics)


def bind(broker: Any) -> None:
    """Declare every declared actor on ``broker`` (actors already on it are left alone)."""
    import dramatiq

    for spec in list(_actors.values()):
        if spec.name in broker.actors:
            continue
        invalid = set(spec.options) - broker.actor_options
        if invalid:
            raise ValueError(f"actor {spec.name!r}: unknown Dramatiq options {sorted(invalid)}")
        dramatiq.Actor(
            spec.fn,
            broker=broker,
            actor_name=spec.name,
            queue_name=spec.queue_name,
            priority=spec.priority,
            options=dict(spec.options),
        )


@contextmanager
def declared(*actor_specs: ActorSpec, topic_map: dict[str, str] | None = None) -> Iterator[None]:
    """Declare actors/topics for a block only (tests), removing them afterwards."""
    for spec in actor_specs:
        actor(spec.name, queue=spec.queue_name, priority=spec.priority, **spec.options)(spec.fn)
    for t, a in (topic_map or {}).items():
        topic(t, a)
    try:
        yield
    finally:
        for spec in actor_specs:
            _actors.pop(spec.name, None)
        for t in topic_map or {}:
            _topics.pop(t, None)
