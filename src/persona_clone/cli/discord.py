"""``persona-clone discord``: run the clone as a Discord bot (the ``discord`` extra)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click

from persona_clone.cli._serving import build_responder, model_options, run_until_stopped
from persona_clone.errors import ConfigError


__all__ = ["discord"]

logger = logging.getLogger(__name__)


async def _unset(_chat: str, _text: str) -> None:  # pragma: no cover - replaced by run_bot
    msg = "the Discord client is not connected yet"
    raise RuntimeError(msg)


@click.command("discord")
@model_options
@click.option(
    "--channel",
    "channels",
    type=int,
    multiple=True,
    help="Id of a channel to take part in (repeat for several).",
)
@click.option("--dms/--no-dms", default=False, help="Also answer direct messages.")
@click.option(
    "--mentions-only",
    is_flag=True,
    help="Listen to everything, answer only when mentioned or replied to.",
)
@click.option(
    "--token-env",
    default="DISCORD_TOKEN",
    show_default=True,
    help="Environment variable holding the bot token.",
)
@click.option(
    "--api-base",
    default=None,
    help="Discord's REST base, version path included (a self-hosted compatible server); "
    "default: Discord's own.",
)
@click.option(
    "--memory",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file keeping the conversations across restarts.",
)
def discord(
    *,
    channels: tuple[int, ...],
    dms: bool,
    mentions_only: bool,
    token_env: str,
    api_base: str | None,
    memory: Path | None,
    **settings: Any,
) -> None:
    """
    Run the clone as a Discord bot in the given channels.

    The bot needs the Message Content intent. Its own messages and other bots'
    are ignored; mentions of the bot read as @PERSONA. It shows the typing
    indicator while the model writes. Ctrl-C (or SIGTERM) stops it cleanly.
    """
    token = os.environ.get(token_env)
    if not token:
        raise click.UsageError(f"set the bot token in the environment variable {token_env}")
    if not channels and not dms:
        raise click.UsageError("give at least one --channel, or --dms")
    # the adapter and the openai SDK load when the bot runs, not when the CLI starts
    from persona_clone.serving.discord import (  # noqa: PLC0415
        DEFAULT_API_BASE,
        DiscordAdapter,
        load_memory,
        run_bot,
        save_memory,
    )

    responder = build_responder(send=_unset, **settings)
    adapter = DiscordAdapter(
        responder=responder,
        channels=frozenset(channels),
        direct_messages=dms,
        mentions_only=mentions_only,
    )
    try:
        if memory is not None and memory.exists():
            restored = load_memory(responder, memory)
            logger.warning("restored %d conversations from %s", restored, memory)
        run_until_stopped(run_bot(adapter, token, api_base=api_base or DEFAULT_API_BASE))
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if memory is not None:
            save_memory(responder, memory)
