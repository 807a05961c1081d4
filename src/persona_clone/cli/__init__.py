"""
The ``persona-clone`` command line.

Each command lives in its own module of this package and is added to `main`
below; the library never prints, this package owns all output.
"""

from __future__ import annotations

import importlib
import logging
from typing import Final

import click


__all__ = ["main"]

# name -> "module:attribute". Commands are imported when they run or when the
# help lists them, so ``persona-clone build`` does not load the OpenAI SDK.
_COMMANDS: Final = {
    "inspect": "inspect_export:inspect_export",
    "build": "build:build",
    "validate": "validate:validate",
    "finetune": "finetune:finetune",
    "finetune-local": "finetune_local:finetune_local",
    "jobs": "jobs:jobs",
    "chat": "chat:chat",
    "discord": "discord:discord",
    "telegram": "telegram:telegram",
    "evaluate": "evaluate:evaluate",
    "review": "review:review",
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*_COMMANDS, *(n for n in super().list_commands(ctx) if n not in _COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = _COMMANDS.get(cmd_name)
        if target is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = target.split(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        if not isinstance(command, click.Command):  # pragma: no cover - a wiring mistake
            msg = f"{target} is not a click command"
            raise TypeError(msg)
        return command


@click.group(
    cls=_LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="persona-clone", prog_name="persona-clone")
@click.option("-v", "--verbose", count=True, help="Log more (repeat for debug output).")
def main(verbose: int) -> None:
    """
    Turn a person's chat history into a model that texts like them.

    \b
    Typical run:
      persona-clone inspect chat.zip                 what is in the export
      persona-clone build chat.zip --persona Ada -o out/   a validated dataset + report
      persona-clone finetune out/train.jsonl --model gpt-4.1-mini-2025-04-14
      persona-clone chat --model ft:... --persona Ada  talk to the clone
      persona-clone evaluate out/validation.jsonl --model ft:... -o eval   is it any good?
    """  # noqa: D301 - click needs the \\b (backspace) marker itself
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )
    # the commands print every input problem themselves; their debug records would repeat them
    logging.getLogger("persona_clone.parsers.base").setLevel(max(level, logging.INFO))
