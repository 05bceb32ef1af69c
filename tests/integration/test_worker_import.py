"""Importing the workers package builds no broker, opens no connection, starts no thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a fresh interpreter: in the test process other tests have built brokers already.
CHECK = """
import socket, threading
connects = []
_orig = socket.socket.connect
def _spy(self, address):
    connects.append(address)
    return _orig(self, address)
socket.socket.connect = _spy
socket.socket.connect_ex = _spy

import importlib, pkgutil, workers
names = [m.name for m in pkgutil.walk_packages(workers.__path__, "workers.")]
for name in names:
    importlib.import_module(name)
from workers import registry
registry.load_actor_modules()

import dramatiq.broker
assert "workers.system" in names and "workers.cli" in names, names
assert dramatiq.broker.global_broker is None, dramatiq.broker.global_broker
assert connects == [], connects
assert threading.active_count() == 1, threading.enumerate()
print("IMPORT-OK", len(names))
"""


def test_importing_workers_creates_no_broker_and_opens_no_connection(settings):
    """Every workers.* module imports with Dramatiq's global broker unset and no socket opened."""
    env = {**os.environ, "REDIS_URL": settings.redis_url or "", "SANSHI_ENV": "test"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    assert b"IMPORT-OK" in done.stdout
