"""`sanshi deadletters list|redrive`: messages refused as poison or out of retries."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from services.kernel.cli import print_table, run
from services.settings import get_settings


@click.group("deadletters")
def deadletters() -> None:
    """死信 Dead letters: messages refused as poison or out of retries; list and re-drive."""


@deadletters.command("list")
@click.option("--all", "include_redriven", is_flag=True, help="也列出已重投的 include re-driven")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--json", "as_json", is_flag=True, help="JSON output for scripts")
def deadletters_list(include_redriven: bool, limit: int, as_json: bool) -> None:
    """List dead letters, newest first (not yet re-driven ones unless --all)."""
    from services.routing.deadletters import list_dead_letters

    rows = run(lambda: list_dead_letters(include_redriven=include_redriven, limit=limit))
    if as_json:
        click.echo(json.dumps([asdict(r) for r in rows], default=str, ensure_ascii=False))
        return
    print_table(
        ["id", "执行者 actor", "参数 kwargs", "原因 reason", "时间 failed", "重投 redriven"],
        [
            [
                str(r.id),
                r.actor_name,
                json.dumps(r.kwargs, ensure_ascii=False, sort_keys=True),
                r.reason,
                r.failed_at.strftime("%Y-%m-%d %H:%M:%S"),
                r.redriven_at.strftime("%Y-%m-%d %H:%M:%S") if r.redriven_at else "-",
            ]
            for r in rows
        ],
    )
    click.echo(f"共 {len(rows)} 条 / {len(rows)} dead letters")


@deadletters.command("redrive")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all", "redrive_all", is_flag=True, help="重投全部未重投的 every one not re-driven")
def deadletters_redrive(ids: tuple[int, ...], redrive_all: bool) -> None:
    """Send dead letters IDS (or --all) to their actor again, under new message ids."""
    from services.routing.deadletters import DeadLetterNotFound, redrive
    from workers.broker import setup_broker
    from workers.errors import RedisUrlRequired

    if bool(ids) == redrive_all:
        raise click.UsageError("给出编号或 --all（二选一）/ give IDS or --all, not both")
    settings = get_settings()
    if not settings.redis_url:
        raise RedisUrlRequired()
    broker = setup_broker(settings)
    try:
        done = run(lambda: redrive(broker, None if redrive_all else list(ids)))
    except DeadLetterNotFound as err:
        raise click.ClickException(
            f"没有这些未重投的死信 / no such dead letters (or already re-driven): {err.args[0]}"
        ) from None
    for dead_id, message_id in done:
        click.echo(f"已重投 re-driven {dead_id} → message {message_id}")
    click.echo(f"共重投 {len(done)} 条 / {len(done)} re-driven")


COMMANDS = [deadletters]
