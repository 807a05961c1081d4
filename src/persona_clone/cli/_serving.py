"""What the ``chat`` and ``discord`` commands share: model options, the responder."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click
import pendulum

from persona_clone.cli._common import endpoint_options
from persona_clone.dataset.rendering import ChatRenderer, LegacyRenderer
from persona_clone.errors import ConfigError, PersonaCloneError
from persona_clone.message import Participant
from persona_clone.privacy.identity import AliasMap, NameBook
from persona_clone.serving.loop_guard import LoopGuard, LoopPolicy


if TYPE_CHECKING:
    from persona_clone.serving.moderation import Moderator
    from persona_clone.serving.privacy import LivePrivacy
    from persona_clone.serving.responder import Responder, Send


__all__ = ["build_responder", "model_options", "run_until_stopped"]

F = TypeVar("F", bound=Callable[..., Any])

logger = logging.getLogger(__name__)


def run_until_stopped(main: Coroutine[Any, Any, None]) -> None:
    """
    Run a bot's *main* coroutine until it ends or the process is asked to stop.

    Ctrl-C (SIGINT) and SIGTERM cancel *main*, so its clean-up runs (replies
    being sent finish, connections close), and then return normally.
    """

    async def guarded() -> None:
        task = asyncio.current_task()
        loop = asyncio.get_running_loop()
        if task is not None:
            for stop in (signal.SIGINT, signal.SIGTERM):
                with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                    loop.add_signal_handler(stop, task.cancel)
        try:
            await main
        except asyncio.CancelledError:
            logger.warning("stopped")

    try:
        asyncio.run(guarded())
    except KeyboardInterrupt:  # where signal handlers cannot be set
        logger.warning("stopped")


def model_options(command: F) -> F:
    """Add the options every serving command takes."""
    options = [
        click.option("--model", required=True, help="Model name, e.g. ft:gpt-4.1-mini:...:ada."),
        click.option("--persona", required=True, help="Who the clone is (display name)."),
        endpoint_options(folders="--model is an adapter or merged model folder"),
        click.option(
            "--quiet",
            type=click.FloatRange(min=0),
            default=25.0,
            show_default=True,
            help="Seconds of quiet before the clone answers (0: at once).",
        ),
        click.option("--system-prompt", default=None, help="System prompt, as in training."),
        click.option(
            "--aliases",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="Alias map (.toml or .json), as in training.",
        ),
        click.option(
            "--names",
            "names_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            help="The dataset's names.json (written by build): name people exactly as in training.",
        ),
        click.option(
            "--format",
            "model_format",
            type=click.Choice(["chat", "legacy"]),
            default="chat",
            show_default=True,
            help="chat: chat completions; legacy: completions with the stop marker.",
        ),
        click.option(
            "--named/--unnamed",
            default=False,
            help="Legacy prompts show names, not User/Assistant (as in training).",
        ),
        click.option(
            "--max-entries",
            type=click.IntRange(min=1),
            default=20,
            show_default=True,
            help="Most entries of conversation the model sees.",
        ),
        click.option(
            "--loop-policy",
            type=click.Choice([p.value for p in LoopPolicy]),
            default=LoopPolicy.REGENERATE.value,
            show_default=True,
            help="What to do when the clone repeats itself.",
        ),
        click.option(
            "--line-delay",
            type=click.FloatRange(min=0),
            default=1.0,
            show_default=True,
            help="Seconds between the lines of a multi-line reply.",
        ),
        click.option(
            "--temperature",
            type=click.FloatRange(min=0, max=2),
            default=None,
            help="Sampling temperature. [default: the endpoint's own]",
        ),
        click.option(
            "--exclude",
            multiple=True,
            metavar="NAME",
            help="Someone who opted out: their messages never reach the model, their "
            "name is redacted. Repeatable; the --aliases file's opted_out entries apply too.",
        ),
        click.option(
            "--moderate",
            is_flag=True,
            help="Check each reply with the endpoint's /moderations before sending it; "
            "a flagged reply is not sent (and is logged with the reason).",
        ),
        click.option(
            "--moderate-words",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            default=None,
            metavar="FILE",
            help="Check each reply against this word list (one word or phrase a line), "
            "offline; a reply that contains one is not sent.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def build_responder(
    *,
    send: Send,
    http_client: Any = None,
    **settings: Any,
) -> Responder:
    """
    Build the responder from the serving options.

    Raises:
        click.ClickException: The alias map or the endpoint settings are invalid.
    """
    # the openai SDK loads here, when a command serves, not when the CLI starts
    from persona_clone.serving.responder import Responder, connect  # noqa: PLC0415

    try:
        aliases = AliasMap.load(settings["aliases"]) if settings["aliases"] else AliasMap()
        if settings.get("backend") == "local":
            if settings.get("moderate"):
                msg = (
                    "--moderate needs an endpoint's /moderations; "
                    "with --backend local use --moderate-words"
                )
                raise click.UsageError(msg)
            client = _local_client(settings["model"], device=settings.get("device", "auto"))
        else:
            base_url = settings["base_url"] or os.environ.get("OPENAI_BASE_URL") or None
            client = connect(base_url=base_url, http_client=http_client)
        privacy = _privacy(settings.get("aliases"), settings.get("exclude", ()), aliases)
        moderator = _moderator(client, settings)
    except (PersonaCloneError, OSError) as error:
        raise click.ClickException(str(error)) from error
    try:
        names = (
            NameBook.from_json(settings["names_file"].read_text(encoding="utf-8"), aliases=aliases)
            if settings.get("names_file")
            else NameBook(aliases=aliases)
        )
    except (ConfigError, OSError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{settings['names_file']}: {error}") from error
    persona = aliases.resolve(Participant.from_name(settings["persona"]))
    renderer: ChatRenderer | LegacyRenderer
    if settings["model_format"] == "legacy":
        renderer = LegacyRenderer(
            persona=persona, names=names, aliases=aliases, named=settings["named"]
        )
    else:
        renderer = ChatRenderer(
            persona=persona,
            names=names,
            aliases=aliases,
            system_prompt=settings["system_prompt"],
        )
    return Responder(
        client=client,
        model=settings["model"],
        renderer=renderer,
        send=send,
        quiet=pendulum.duration(seconds=settings["quiet"]),
        max_entries=settings["max_entries"],
        guard=LoopGuard(policy=LoopPolicy(settings["loop_policy"])),
        line_delay=pendulum.duration(seconds=settings["line_delay"]),
        temperature=settings["temperature"],
        privacy=privacy,
        moderator=moderator,
    )


def _privacy(people: Path | None, exclude: tuple[str, ...], aliases: AliasMap) -> LivePrivacy:
    """Who opted out (the people file's entries and --exclude), as in training."""
    from persona_clone.privacy.consent import Consent  # noqa: PLC0415
    from persona_clone.serving.privacy import LivePrivacy  # noqa: PLC0415

    consent = Consent.load(people) if people is not None else Consent()
    if exclude:
        consent = attrs.evolve(consent, excluded=consent.excluded | set(exclude))
    return LivePrivacy(consent=consent, aliases=aliases)


def _moderator(client: Any, settings: dict[str, Any]) -> Moderator | None:
    """The endpoint's moderations (--moderate), or a word list (--moderate-words)."""
    from persona_clone.serving.moderation import (  # noqa: PLC0415
        EndpointModerator,
        WordListModerator,
    )

    words = settings.get("moderate_words")
    if words is not None:
        return WordListModerator.load(words)
    if settings.get("moderate"):
        return EndpointModerator(client=client)
    return None


def _local_client(model: str, *, device: str) -> Any:
    """An ``openai.AsyncOpenAI`` client answered in-process by the model in folder *model*."""
    from persona_clone.serving.local_backend import (  # noqa: PLC0415 -- loads torch
        LocalChatModel,
        local_client,
    )

    return local_client(LocalChatModel.load(model, device=device))
