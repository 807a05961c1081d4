"""``persona-clone telegram``: run the clone as a Telegram bot (the ``telegram`` extra)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import click

from persona_clone.cli._serving import build_responder, model_options, run_until_stopped
from persona_clone.errors import ConfigError


__all__ = ["telegram"]

logger = logging.getLogger(__name__)


async def _unset(_chat: str, _text: str) -> None:  # pragma: no cover - replaced by the bot
    msg = "the Telegram bot is not connected yet"
    raise RuntimeError(msg)


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
@click.option(
    "--mentions-only",
    is_flag=True,
    help="Listen to everything, answer only when mentioned or replied to.",
)
@click.option(
    "--token-env",
    default="TELEGRAM_BOT_TOKEN",
    show_default=True,
    help="Environment variable holding the bot token from @BotFather.",
)
@click.option(
    "--api-base",
    default=None,
    help="The Bot API server (a self-hosted one); default: Telegram's own.",
)
@click.option(
    "--poll-timeout",
    type=click.IntRange(min=0, max=50),
    default=30,
    show_default=True,
    help="Seconds one long poll waits for updates.",
)
@click.option(
    "--memory",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSON file keeping the conversations across restarts.",
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
    token = os.environ.get(token_env)
    if not token:
        raise click.UsageError(f"set the bot token in the environment variable {token_env}")
    # the adapter and the openai SDK load when the bot runs, not when the CLI starts
    from persona_clone.serving.memory import load_memory, save_memory  # noqa: PLC0415
    from persona_clone.serving.telegram import (  # noqa: PLC0415
        DEFAULT_API_BASE,
        TelegramAdapter,
        run_telegram_bot,
    )

    responder = build_responder(send=_unset, **settings)
    adapter = TelegramAdapter(
        responder=responder, chats=frozenset(chats), mentions_only=mentions_only
    )
    try:
        if memory is not None and memory.exists():
            restored = load_memory(responder, memory)
            logger.warning("restored %d conversations from %s", restored, memory)
        run_until_stopped(
            run_telegram_bot(
                adapter, token, api_base=api_base or DEFAULT_API_BASE, poll_timeout=poll_timeout
            )
        )
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if memory is not None:
            save_memory(responder, memory)
