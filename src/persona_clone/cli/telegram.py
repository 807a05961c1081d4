"""``persona-clone telegram``: run the clone as a Telegram bot (the ``telegram`` extra)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from persona_clone.cli._bots import bot_options, bot_token, not_connected, serve_until_stopped
from persona_clone.cli._serving import build_responder, model_options


__all__ = ["telegram"]


@click.command("telegram")
@model_options
@click.option(
    "--chat",
    "chats",
    type=int,
    multiple=True,
    help="Id of a group chat to take part in (repeat for several; default: every group "
    "the bot is in).",
)
@bot_options(
    variable="TELEGRAM_BOT_TOKEN",
    api_help="The Bot API server (a self-hosted one); default: Telegram's own (https://api.telegram.org).",
)
@click.option(
    "--poll-timeout",
    type=click.IntRange(min=0, max=50),
    default=30,
    show_default=True,
    help="Seconds one long poll waits for updates.",
)
def telegram(
    *,
    chats: tuple[int, ...],
    mentions_only: bool,
    token_env: str,
    api_base: str | None,
    poll_timeout: int,
    memory: Path | None,
    **settings: Any,
) -> None:
    """
    Run the clone as a Telegram bot in group chats.

    Turn the bot's privacy mode off with @BotFather (/setprivacy) so it sees
    every message of a group. Its own messages and other bots' are ignored;
    @username of the bot reads as @PERSONA; a person who writes to it privately
    is told what it is. Ctrl-C (or SIGTERM) stops it cleanly.
    """
    token = bot_token(token_env)
    # the adapter and the openai SDK load when the bot runs, not when the CLI starts
    from persona_clone.serving.telegram import (  # noqa: PLC0415
        DEFAULT_API_BASE,
        TelegramAdapter,
        run_telegram_bot,
    )

    responder = build_responder(send=not_connected, **settings)
    adapter = TelegramAdapter(
        responder=responder, chats=frozenset(chats), mentions_only=mentions_only
    )
    serve_until_stopped(
        responder,
        memory,
        lambda: run_telegram_bot(
            adapter, token, api_base=api_base or DEFAULT_API_BASE, poll_timeout=poll_timeout
        ),
    )
