"""``persona-clone chat``: talk to the clone in the terminal, as in a group chat."""

from __future__ import annotations

import asyncio
import logging
import re
import sys
import threading
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import click

from persona_clone.cli._serving import build_responder, model_options
from persona_clone.clock import SystemClock
from persona_clone.message import Message, Participant, SourceRef


if TYPE_CHECKING:
    from persona_clone.serving.responder import Responder


__all__ = ["chat"]

logger = logging.getLogger(__name__)

CHAT_ID = "terminal"
_SPEAKER = re.compile(r"^(?P<name>\S[^:]{0,63}?):(?:\s+(?P<text>.*))?$")


@click.command("chat")
@model_options
@click.pass_context
def chat(ctx: click.Context, /, **settings: Any) -> None:
    """
    Talk to the clone as if in a group chat.

    Each input line "Name: text" is a message from Name; a line without a name
    (or starting with a space) continues the previous speaker. The clone
    answers once the chat has been quiet for --quiet seconds, printing
    "PERSONA: text" lines. At end of input it answers what is still pending
    and exits, so it works in a pipeline, e.g.
    echo 'Bob: selam' | persona-clone chat --model ft:... --persona Ada
    """
    persona = settings["persona"]

    async def send(_chat: str, text: str) -> None:
        click.echo(f"{persona}: {text}")

    obj: dict[str, Any] = ctx.obj if isinstance(ctx.obj, dict) else {}
    responder = build_responder(send=send, http_client=obj.get("http_client"), **settings)
    stream = sys.stdin
    if stream.isatty():
        click.echo(
            f"Talking to {persona} ({settings['model']}). Type 'Name: text'; "
            "Ctrl-D answers what is pending and ends.",
            err=True,
        )
    answer_at_once = settings["quiet"] == 0
    try:
        asyncio.run(_converse(responder, stream, answer_at_once=answer_at_once))
    except KeyboardInterrupt:  # pragma: no cover - interactive
        raise click.exceptions.Exit(130) from None
    _report(responder)


def _report(responder: Responder) -> None:
    """Fail when the model could not be reached at all; warn about single failures."""
    outcome = responder.outcome
    if outcome.unreachable:
        raise click.ClickException(
            f"the model never answered: {outcome.failed} of {outcome.failed} "
            f"replies failed (last: {outcome.last_failure}); nothing was said"
        )
    if outcome.failed:
        total = outcome.failed + outcome.answered
        click.echo(
            f"warning: {outcome.failed} of {total} replies failed (last: {outcome.last_failure})",
            err=True,
        )


async def _converse(responder: Responder, stream: IO[str], *, answer_at_once: bool) -> None:
    clock = SystemClock()
    speaker: Participant | None = None
    number = 0
    lines = _lines(stream)
    try:
        while (line := await lines.get()) is not None:
            number += 1
            if not line.strip():
                continue
            found = None if line[0].isspace() else _SPEAKER.match(line)
            if found is not None:
                speaker = Participant.from_name(found["name"])
                text = found["text"] or ""
            elif speaker is None:
                click.echo(f"<stdin>:{number}: expected 'Name: text', found no name", err=True)
                continue
            else:
                text = line.strip()
            if not text.strip():
                continue
            message = Message(
                id=f"line-{number}",
                sent_at=clock.now(),
                author=speaker,
                text=text.strip(),
                source=SourceRef(file="<stdin>", line=number),
            )
            await responder.receive(CHAT_ID, message)
            if answer_at_once:
                await responder.wait_idle()
        await responder.flush()
    finally:
        await responder.aclose()


def _decoded(stream: IO[str]) -> Iterator[str]:
    """
    Yield the lines of *stream*, invalid UTF-8 decoded as U+FFFD.

    One bad byte must not stop the clone: read the bytes underneath when there
    are any, else repair lone surrogates (``surrogateescape`` under a C locale).
    """
    binary = getattr(stream, "buffer", None)
    if binary is not None:
        for raw in binary:
            yield raw.decode("utf-8", errors="replace")
        return
    for line in stream:
        yield line.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def _lines(stream: IO[str]) -> asyncio.Queue[str | None]:
    """Read *stream* in a daemon thread (so Ctrl-C never waits for it); None ends."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        try:
            for line in _decoded(stream):
                loop.call_soon_threadsafe(queue.put_nowait, line.rstrip("\r\n"))
            loop.call_soon_threadsafe(queue.put_nowait, None)
        except RuntimeError:  # the loop closed first (Ctrl-C): nobody is listening
            return

    threading.Thread(target=read, name="persona-clone-stdin", daemon=True).start()
    return queue
