"""
The ``persona-clone`` command line.

Each command lives in its own module of this package and is added to `main`
below; the library never prints, this package owns all output.
"""

from __future__ import annotations

import logging

import click


__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="persona-clone", prog_name="persona-clone")
@click.option("-v", "--verbose", count=True, help="Log more (repeat for debug output).")
def main(verbose: int) -> None:
    r"""
    Turn a person's chat history into a model that texts like them.

    \b
    Typical run:
      persona-clone inspect chat.zip                 what is in the export
      persona-clone build chat.zip --persona Ada -o out/   a validated dataset + report
      persona-clone finetune out/train.jsonl --model gpt-4.1-mini-2025-04-14
      persona-clone chat --model ft:... --persona Ada  talk to the clone
    """
    level = logging.WARNING - 10 * verbose
    logging.basicConfig(
        level=max(level, logging.DEBUG), format="%(levelname)s %(name)s: %(message)s"
    )


# --- commands (one module each) -----------------------------------------------
from .build import build  # noqa: E402
from .chat import chat  # noqa: E402
from .discord import discord  # noqa: E402
from .finetune import finetune  # noqa: E402
from .finetune_local import finetune_local  # noqa: E402
from .inspect_export import inspect_export  # noqa: E402
from .jobs import jobs  # noqa: E402
from .validate import validate  # noqa: E402


for _command in (
    inspect_export,
    build,
    validate,
    finetune,
    finetune_local,
    jobs,
    chat,
    discord,
):
    main.add_command(_command)
