"""The `sanshi` command line: one group; the platform's commands and every context's own."""

from __future__ import annotations

import sys

import click

from services.errors import SanshiError


class _Group(click.Group):
    """Print expected failures as one clear bilingual line and exit 2 (no traceback)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SanshiError as err:
            click.echo(f"错误 Error [{err.code}]: {err.message_zh}\n  {err.message_en}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
def main() -> None:
    """Sanshi (三事) — three-matter triage for a county's communities."""


def _register() -> None:
    """Platform commands (run, migrate, worker, ...) and every context's own."""
    from services.api.cli import COMMANDS as api_commands
    from services.contexts import command_refs
    from services.kernel.registration import resolve
    from services.runtime.cli import COMMANDS as runtime_commands
    from tenants.cli import COMMANDS as tenant_commands
    from workers.cli import COMMANDS as worker_commands

    platform = (*runtime_commands, *tenant_commands, *api_commands, *worker_commands)
    contexts = (command for ref in command_refs() for command in resolve(ref))
    for command in (*platform, *contexts):
        main.add_command(command)


_register()
