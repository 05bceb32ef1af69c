"""`sanshi worker`, `sanshi relay`, `sanshi outbox pending`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import click
import dramatiq

from services.settings import Settings
from workers.process import configure_logging as _logging
from workers.process import process_settings as _settings
from workers.scheduler import run_scheduler, scheduler

log = logging.getLogger("sanshi.worker")

# How long startup may take to reach the database before the worker gives up.
STARTUP_TIMEOUT_S = 120.0


async def _serve(
    settings: Settings,
    broker: dramatiq.Broker,
    *,
    with_relay: bool,
    ready: threading.Event,
    with_scheduler: bool = False,
    stop_box: list[asyncio.Event],
) -> None:
    """The async half of a worker: database pools, the relay and the heartbeat sender."""
    from services.runtime.bootstrap import platform_ready
    from workers.relay import Relay

    stop = asyncio.Event()
    stop_box.append(stop)
    async with platform_ready(settings) as dbs:
        ready.set()
        tasks = [_send_heartbeats(broker, stop)]
        if with_scheduler:  # every worker competes; the lock lets one run the jobs
            tasks.append(run_scheduler(settings, stop))
        if with_relay:
            tasks += [
                Relay.from_settings(settings, broker, placement=p).run(stop) for p in dbs.pools
            ]
        await asyncio.gather(*tasks)


async def _send_heartbeats(broker: dramatiq.Broker, stop: asyncio.Event) -> None:
    """Send ourselves a system.heartbeat now and then, so liveness is readable in Redis."""
    from workers.relay import BROKER_DOWN
    from workers.system import HEARTBEAT, HEARTBEAT_EVERY_S

    actor = broker.get_actor(HEARTBEAT)
    while not stop.is_set():
        try:
            await asyncio.to_thread(actor.send)
        except BROKER_DOWN as err:
            log.warning("heartbeat not sent: %s", err)
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=HEARTBEAT_EVERY_S)


def _on_signals(handler: Callable[[], None]) -> None:
    """First SIGINT/SIGTERM: graceful stop; a second one: exit at once."""
    count = 0

    def _handle(signum: int, frame: Any) -> None:
        nonlocal count
        count += 1
        if count > 1:
            click.echo("再次收到信号，立即退出 / second signal: exiting now", err=True)
            os._exit(1)
        handler()

    signal.signal(signal.SIGINT, _handle)
    signal.signal(signal.SIGTERM, _handle)


@click.command()
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--relay/--no-relay", default=True, show_default=True, help="Also run the outbox relay."
)
@click.option(
    "--scheduler/--no-scheduler",
    "with_scheduler",
    default=True,
    show_default=True,
    help="Also compete for the scheduler lock and run periodic jobs when holding it.",
)
@click.option(
    "--shutdown-timeout",
    default=30.0,
    show_default=True,
    type=click.FloatRange(1, 600),
    help="Seconds running actors get to finish on SIGINT/SIGTERM.",
)
def worker(threads: int, relay: bool, with_scheduler: bool, shutdown_timeout: float) -> None:
    """Run a Dramatiq worker for our actors, plus the outbox relay (运行工作进程)."""
    from workers import runtime
    from workers.broker import setup_broker

    _logging()
    settings = _settings(need_redis=True)
    broker = setup_broker(settings)

    # Dramatiq's Worker is thread-based with blocking start/stop, and signal handlers can
    # only be installed in the main thread, so it lives there; the asyncio side (pools,
    # relay, actors' coroutines via runtime.run_async) runs on one loop in a thread.
    loop_thread = runtime.LoopThread().start()
    runtime.attach(loop_thread.loop)
    ready, stopping = threading.Event(), threading.Event()
    stop_box: list[asyncio.Event] = []
    served = asyncio.run_coroutine_threadsafe(
        _serve(
            settings,
            broker,
            with_relay=relay,
            ready=ready,
            stop_box=stop_box,
            with_scheduler=with_scheduler,
        ),
        loop_thread.loop,
    )
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while not ready.wait(0.1):
        if served.done() or time.monotonic() > deadline:
            served.result(timeout=0)  # re-raises the startup error
            raise click.ClickException("worker did not start in time")

    _on_signals(stopping.set)
    dramatiq_worker = dramatiq.Worker(broker, worker_threads=threads)
    dramatiq_worker.start()
    click.echo(
        f"工作进程已启动 / worker started: pid {os.getpid()}, {threads} threads, "
        f"queues {sorted(broker.get_declared_queues())}, relay {'on' if relay else 'off'}",
        err=True,
    )
    failed = False
    while not stopping.wait(0.5):
        if served.done():  # the async side died: do not keep consuming without it
            failed = True
            break

    click.echo("正在停止 / stopping ...", err=True)
    dramatiq_worker.stop(timeout=int(shutdown_timeout * 1000))
    if stop_box:
        loop_thread.loop.call_soon_threadsafe(stop_box[0].set)
    try:
        served.result(timeout=shutdown_timeout)
    except Exception:
        log.exception("worker's async side failed")
        failed = True
    loop_thread.stop()
    runtime.attach(None)
    if failed:
        raise SystemExit(1)
    click.echo("已停止 / stopped", err=True)


async def _relay_main(settings: Settings) -> None:
    from services.runtime.bootstrap import platform_ready
    from workers.broker import setup_broker
    from workers.relay import Relay

    broker = setup_broker(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with platform_ready(settings) as dbs:
        click.echo(f"发件箱中继已启动 / outbox relay started: pid {os.getpid()}", err=True)
        await asyncio.gather(
            *(Relay.from_settings(settings, broker, placement=p).run(stop) for p in dbs.pools)
        )
    click.echo("已停止 / stopped", err=True)


@click.command()
def relay() -> None:
    """Run only the outbox relay (publishes committed outbox rows) (只运行发件箱中继)."""
    _logging()
    asyncio.run(_relay_main(_settings(need_redis=True)))


@click.group()
def outbox() -> None:
    """Inspect the transactional outbox (发件箱)."""


async def _pending(settings: Settings, limit: int) -> list[Any]:
    from services.runtime.bootstrap import platform_ready
    from workers.outbox import pending as pending_rows

    async with platform_ready(settings) as dbs:
        rows: list[Any] = []
        for placement in dbs.pools:  # every database's outbox
            rows += await pending_rows(limit, placement=placement)
        return sorted(rows, key=lambda r: r.created_at)[:limit]


@outbox.command()
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
def pending(limit: int) -> None:
    """List unsent outbox rows, oldest first (列出未发送的消息)."""
    rows = asyncio.run(_pending(_settings(need_redis=False), limit))
    headers = ("编号 id", "主题 topic", "社区 community", "创建 created", "尝试 attempts")
    click.echo("\t".join((*headers, "消息 message id", "最近错误 last error")))
    for r in rows:
        created = r.created_at.strftime("%Y-%m-%d %H:%M:%S")
        fields = (r.id, r.topic, r.community_slug or "-", created, r.attempts)
        click.echo("\t".join(map(str, (*fields, r.message_id, r.last_error or "-"))))
    click.echo(
        f"未发送 {len(rows)} 条 / {len(rows)} unsent" + (" (limit)" if len(rows) == limit else "")
    )


COMMANDS = [worker, relay, outbox, scheduler]
