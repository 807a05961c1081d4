"""``persona-clone inspect``: what is in an export, before building anything."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import click

from persona_clone.conversation.sessionizer import Sessionizer
from persona_clone.message import Message
from persona_clone.parsers import resolve_parser
from persona_clone.parsers.whatsapp.grammar import DateOrder
from persona_clone.samples import SAMPLE_TZ, sample_path

from ._exports import (
    date_order_option,
    input_format_option,
    one_line_errors,
    open_exports,
    registry_of,
    with_date_order,
)
from ._output import display_redaction


__all__ = ["inspect_export"]

_CHATS_SHOWN = 10


def _summary(messages: list[Message] | Any, gap: dt.timedelta) -> dict[str, Any]:
    """Count one export's messages, participants, kinds and sessions, streaming."""
    participants: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    chats: Counter[str] = Counter()
    first: dt.datetime | None = None
    last: dt.datetime | None = None
    count = 0

    def observed() -> Any:
        nonlocal first, last, count
        for message in messages:
            count += 1
            kinds[message.kind.value] += 1
            if message.author is not None:
                participants[message.author.name] += 1
            if message.chat is not None:
                chats[message.chat] += 1
            # a multi-chat export is in order within each chat only
            if first is None or message.sent_at < first:
                first = message.sent_at
            if last is None or message.sent_at > last:
                last = message.sent_at
            yield message

    sessions = sum(1 for _ in Sessionizer(gap=gap)(observed()))
    return {
        "messages": count,
        "first": first.isoformat() if first else None,
        "last": last.isoformat() if last else None,
        "sessions": sessions,
        "kinds": dict(kinds),
        "participants": dict(participants.most_common()),
        "chats": dict(chats),
    }


@click.command(
    "inspect",
    epilog=(
        "\b\nExamples:\n  persona-clone inspect chat.zip --tz Europe/Istanbul\n"
        "  persona-clone inspect --sample"
    ),
)
@click.argument("exports", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--sample", is_flag=True, help="Inspect the bundled sample group chat.")
@click.option(
    "--tz",
    default="UTC",
    show_default=True,
    metavar="ZONE",
    help="Time zone of exports that store local times (WhatsApp).",
)
@click.option(
    "--gap",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="A pause this long ends a session.",
)
@input_format_option
@date_order_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@click.pass_context
@one_line_errors
def inspect_export(
    ctx: click.Context,
    *,
    exports: tuple[Path, ...],
    sample: bool,
    tz: str,
    gap: float,
    input_format: str | None,
    date_order: DateOrder | None,
    as_json: bool,
) -> None:
    """
    Show what is in each EXPORT.

    Prints its format, participants with message counts, date range and sessions.
    Names that are phone numbers are shown with their middle digits masked, and
    input lines quoted in problems are redacted.

    Use it to find the exact name to pass to `build --persona`, and the names of
    people to --exclude.
    """
    if sample == bool(exports):
        raise click.UsageError("give EXPORT paths or --sample (not both)")
    registry = registry_of(ctx)
    # nothing private is printed: phone numbers masked, quoted input lines redacted
    from persona_clone.privacy.redaction import BuiltinRedactor  # noqa: PLC0415
    from persona_clone.privacy.speakers import mask_phone  # noqa: PLC0415

    redact = display_redaction(lambda text: BuiltinRedactor().redact(text)[0])
    results = []
    with contextlib.ExitStack() as stack:
        if sample:
            exports = (stack.enter_context(sample_path()),)
            input_format = input_format or "whatsapp"
            tz = SAMPLE_TZ if tz == "UTC" else tz
        # every format is known (and --date-order checked) before any export is read
        parsers = with_date_order(
            [resolve_parser(path, format=input_format, registry=registry) for path in exports],
            date_order,
        )
        for path, parser in zip(exports, parsers, strict=True):
            name = parser.name
            with open_exports(
                [path],
                input_format=parser,
                tz=tz,
                registry=registry,
                label=f"Reading {path.name}",
            ) as opened:
                issues = opened.issues
                summary = _summary(opened.streams[0], dt.timedelta(seconds=gap))
            summary = {
                "export": "sample" if sample else str(path),
                "format": name,
                **summary,
                "problems": [redact(str(i)) for i in issues.issues],
            }
            summary["participants"] = {
                mask_phone(person): count for person, count in summary["participants"].items()
            }
            results.append(summary)
    if as_json:
        click.echo(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for summary in results:
        click.echo(f"{summary['export']}: {summary['format']}")
        click.echo(
            f"  {summary['messages']:,} messages, {summary['sessions']:,} sessions "
            f"(gap {gap:g} s), from {summary['first']} to {summary['last']}"
        )
        kinds = ", ".join(f"{k} {v:,}" for k, v in summary["kinds"].items())
        click.echo(f"  kinds: {kinds or 'none'}")
        if summary["chats"]:
            shown = list(summary["chats"].items())[:_CHATS_SHOWN]
            more = len(summary["chats"]) - len(shown)
            listed = ", ".join(f"{chat}: {count:,}" for chat, count in shown)
            click.echo(
                f"  chats: {len(summary['chats']):,} (messages by chat id: {listed}"
                + (f", +{more:,} more" if more > 0 else "")
                + ")"
            )
        click.echo("  participants:")
        for person, count in summary["participants"].items():
            click.echo(f"    {count:>8,}  {person}")
        if summary["problems"]:
            click.echo(
                f"  {len(summary['problems']):,} problem(s) while reading; "
                f"first: {summary['problems'][0]}"
            )
