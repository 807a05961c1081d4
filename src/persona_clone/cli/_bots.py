"""What the bot commands (``discord``, ``telegram``) share: options, token, memory, running."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from persona_clone.cli._serving import run_until_stopped
from persona_clone.errors import ConfigError


if TYPE_CHECKING:
    from persona_clone.serving.responder import Responder


__all__ = ["bot_options", "bot_token", "not_connected", "serve_until_stopped"]

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger(__name__)


def bot_options(*, variable: str, api_help: str) -> Callable[[F], F]:
    """
    Add the options every bot command takes, with this platform's defaults.

    ``--api-base`` defaults to ``None``, the platform's own server, so that the
    CLI starts without importing the bot (*api_help* says what the default is).
    """
    options = [
        click.option(
            "--mentions-only",
            is_flag=True,
            help="Listen to everything, answer only when mentioned or replied to.",
        ),
        click.option(
            "--token-env",
            default=variable,
            show_default=True,
            help="Environment variable holding the bot token.",
        ),
        click.option("--api-base", default=None, help=api_help),
        click.option(
            "--memory",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="JSON file keeping the conversations across restarts.",
        ),
    ]

    def add(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return add


def bot_token(token_env: str) -> str:
    """
    Return the bot token from the environment variable *token_env*.

    Raises:
        click.UsageError: It is not set.
    """
    token = os.environ.get(token_env)
    if not token:
        raise click.UsageError(f"set the bot token in the environment variable {token_env}")
    return token


async def not_connected(_chat: str, _text: str) -> None:  # pragma: no cover - replaced
    """The responder's `send` until the bot is connected (the bot replaces it)."""
    msg = "the bot is not connected yet"
    raise RuntimeError(msg)


def serve_until_stopped(
    responder: Responder,
    memory: Path | None,
    bot: Callable[[], Coroutine[Any, Any, None]],
) -> None:
    """
    Restore *memory*, run *bot* until it ends or is stopped, then save *memory*.

    Raises:
        click.ClickException: The bot could not start (its settings, its server).
    """
    from persona_clone.serving.memory import load_memory, save_memory  # noqa: PLC0415

    try:
        if memory is not None and memory.exists():
            restored = load_memory(responder, memory)
            logger.warning("restored %d conversations from %s", restored, memory)
        run_until_stopped(bot())
    except ConfigError as error:
        raise click.ClickException(str(error)) from error
    finally:
        if memory is not None:
            save_memory(responder, memory)
