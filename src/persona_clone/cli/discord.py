"""``persona-clone discord``: run the clone as a Discord bot (the ``discord`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from persona_clone.cli._bots import bot_options, bot_token, not_connected, serve_until_stopped
from persona_clone.cli._serving import build_responder, model_options


__all__ = ["discord"]


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
@bot_options(
    variable="DISCORD_TOKEN",
    api_help="Discord's REST base, version path included (a self-hosted compatible "
    "server); default: Discord's own (https://discord.com/api/v10).",
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
    token = bot_token(token_env)
    if not channels and not dms:
        raise click.UsageError("give at least one --channel, or --dms")
    # the adapter and the openai SDK load when the bot runs, not when the CLI starts
    from persona_clone.serving.discord import (  # noqa: PLC0415
        DEFAULT_API_BASE,
        DiscordAdapter,
        run_bot,
    )

    responder = build_responder(send=not_connected, **settings)
    adapter = DiscordAdapter(
        responder=responder,
        channels=frozenset(channels),
        direct_messages=dms,
        mentions_only=mentions_only,
    )
    serve_until_stopped(
        responder, memory, lambda: run_bot(adapter, token, api_base=api_base or DEFAULT_API_BASE)
    )
