"""A small process supervisor: start children, notice one dying, stop them all, bounded."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from services.runtime.embedded import die_with_parent


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived: stop everything and exit 0."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@dataclass
class Child:
    """One supervised process; it leads its own process group (its pid is the group id)."""

    name: str
    process: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self.process.pid

    def group_alive(self) -> bool:
        """Is any process of the child's group still there (the child or its own children)?"""
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # a member we may not signal is still a member
            return True
        return True


@dataclass
class Supervisor:
    """Starts children in sessions of their own and stops them together.

    Why sessions of their own: Ctrl-C in a terminal signals the whole foreground process
    group at once; the API, the worker and Redis would all stop in parallel and the
    worker would lose Redis mid-shutdown. Here only the supervisor gets the signal and
    stops them in order. ``die_with_parent`` covers the supervisor being SIGKILLed.
    """

    children: list[Child] = field(default_factory=list)
    # Extra liveness checks (embedded servers that are not our Popen children).
    watched: dict[str, Callable[[], bool]] = field(default_factory=dict)

    def spawn(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> Child:
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        child = Child(name, process)
        self.children.append(child)
        return child

    def dead(self) -> list[tuple[str, int | None]]:
        """Children (and watched servers) that are no longer running: (name, exit code)."""
        out: list[tuple[str, int | None]] = [
            (c.name, c.process.returncode) for c in self.children if c.process.poll() is not None
        ]
        out += [(name, None) for name, alive in self.watched.items() if not alive()]
        return out

    def wait(self, *, poll_s: float = 0.2) -> list[tuple[str, int | None]]:
        """Block until some child or watched server stops; returns what stopped.

        Interrupted (from the signal handlers installed by ``handle_signals``) ends it too.
        """
        while True:
            dead = self.dead()
            if dead:
                return dead
            time.sleep(poll_s)

    def stop_all(self, *, timeout_s: float = 20.0) -> None:
        """SIGTERM every child's group, wait (bounded), then SIGKILL whatever is left."""
        for child in self.children:
            _killpg(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for child in self.children:
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(max(0.1, deadline - time.monotonic()))
        # Grandchildren (e.g. worker processes) may outlive their parent briefly.
        while time.monotonic() < deadline and any(c.group_alive() for c in self.children):
            time.sleep(0.1)
        for child in self.children:
            if child.group_alive():
                _killpg(child.pid, signal.SIGKILL)
            if child.process.poll() is None:
                child.process.wait(5)


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)


def _raise_interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signum)


def handle_signals() -> None:
    """Turn SIGINT/SIGTERM into ``Interrupted`` (so start-up and waiting both unwind)."""
    signal.signal(signal.SIGINT, _raise_interrupted)
    signal.signal(signal.SIGTERM, _raise_interrupted)


def ignore_signals() -> None:
    """While shutting down, a second Ctrl-C must not abandon the clean-up half-way."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def elapsed(since: float) -> str:
    return f"{time.monotonic() - since:.1f} s"
