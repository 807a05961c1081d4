"""
The ``persona-clone`` command line.

Each command lives in its own module of this package and is added to `main`
below; the library never prints, this package owns all output.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import Final

import click


__all__ = ["main"]

# name -> ("module:attribute", the command's one-line summary). Commands are
# imported when they run, so ``persona-clone build`` does not load the OpenAI SDK,
# and ``persona-clone --help`` lists them from this table without importing any
# (a test checks that each summary is the command's own short help).
_COMMANDS: Final = {
    "inspect": ("inspect_export:inspect_export", "Show what is in each EXPORT."),
    "build": ("build:build", "Build a fine-tuning dataset that clones one person."),
    "validate": (
        "validate:validate",
        "Check FILE as the fine-tuning service would, before uploading it.",
    ),
    "finetune": (
        "finetune:finetune",
        "Fine-tune MODEL on DATASET through the OpenAI API (or a compatible one).",
    ),
    "finetune-local": (
        "finetune_local:finetune_local",
        "Train a LoRA adapter for MODEL on DATASET (a messages JSONL file) on this machine.",
    ),
    "jobs": (
        "jobs:jobs",
        "List and manage fine-tuning jobs (JOB defaults to the one in the state file).",
    ),
    "chat": ("chat:chat", "Talk to the clone as if in a group chat."),
    "discord": ("discord:discord", "Run the clone as a Discord bot in the given channels."),
    "telegram": ("telegram:telegram", "Run the clone as a Telegram bot in group chats."),
    "evaluate": ("evaluate:evaluate", "Measure how well a fine-tuned clone texts like the person."),
    "review": ("review:review", "Hand-pick the examples a clone is trained on."),
}


class _LazyGroup(click.Group):
    """A group whose commands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*_COMMANDS, *(n for n in super().list_commands(ctx) if n not in _COMMANDS)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = _COMMANDS.get(cmd_name)
        if entry is None:
            return super().get_command(ctx, cmd_name)
        module, attribute = entry[0].split(":")
        command = getattr(importlib.import_module(f"{__name__}.{module}"), attribute)
        if not isinstance(command, click.Command):  # pragma: no cover - a wiring mistake
            msg = f"{entry[0]} is not a click command"
            raise TypeError(msg)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """
        Run the command; Ctrl-C before a command's own handler exits 130, not 1.

        Output cut short by a closed pipe (``persona-clone inspect ... | head``)
        ends quietly with status 0, as other Unix tools do, not with click's 1.
        """
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a reader gone before the last line shows here, not at exit
        except KeyboardInterrupt:
            click.echo("\ninterrupted", err=True)
            raise click.exceptions.Exit(130) from None
        except BrokenPipeError:
            _discard_stdout()
            raise click.exceptions.Exit(0) from None
        return result

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List the commands with their summaries, importing none of them."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        # a stand-in command shortens a summary exactly as click shortens a help text
        rows = [
            (name, click.Command(name, help=_COMMANDS[name][1]).get_short_help_str(limit))
            if name in _COMMANDS
            else (name, self.commands[name].get_short_help_str(limit))
            for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _discard_stdout() -> None:
    """
    Send what is left of standard output to the null device.

    The reader of the pipe is gone; without this, Python flushes the rest at
    exit, fails again and prints "Exception ignored ... BrokenPipeError".
    """
    try:
        fileno = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (a test runner's)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fileno)
    finally:
        os.close(devnull)


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
