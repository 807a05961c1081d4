"""``persona-clone build``: exports in, a validated dataset and its report out."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import click

from persona_clone.dataset import (
    DatasetFormat,
    DatasetReport,
    OutputFolder,
    WeightPolicy,
    build_dataset,
    mask_report,
    report_json,
    report_text,
)
from persona_clone.dataset.base import DEFAULT_REPLY_MEMORY
from persona_clone.dataset.example import DEFAULT_MAX_ENTRIES
from persona_clone.parsers import CollectingIssueSink
from persona_clone.samples import SAMPLE_PARTICIPANTS, SAMPLE_TZ, sample_path

from ._curation import carry_reviews, curation_options, curation_steps
from ._exports import (
    OpenExports,
    batch_collection,
    date_order_option,
    input_format_option,
    one_line_errors,
    open_exports,
    registry_of,
)
from ._output import display_redaction, exit_on_signals, redacted_errors


if TYPE_CHECKING:
    from persona_clone.parsers.whatsapp.grammar import DateOrder
    from persona_clone.privacy.consent import Consent
    from persona_clone.privacy.identity import AliasMap


__all__ = ["build"]

_KINDS = ("phone", "email", "iban", "card", "url", "name", "secret")
_MAX_ISSUES_SHOWN = 3


@click.command(
    epilog=(
        "\b\nExamples:\n"
        "  persona-clone build --sample --persona Deniz -o out\n"
        "  persona-clone build chat.zip --persona Ada --attest-consent -o out \\\n"
        "      --exclude Bob --validation-share 0.1 \\\n"
        "      --system-prompt 'Ada, a chemist from Izmir'\n"
        "  persona-clone build a.zip b.json --persona Ada --aliases people.toml "
        "--format sharegpt -o out"
    )
)
@click.argument("exports", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--sample",
    is_flag=True,
    help="Use the bundled sample group chat instead of EXPORT.",
)
@click.option(
    "--persona",
    required=True,
    metavar="NAME",
    help="Who to clone: a name or participant id (aliases apply).",
)
@click.option(
    "--format",
    "format_",
    type=click.Choice([f.value for f in DatasetFormat]),
    default="chat",
    show_default=True,
    help="chat: OpenAI chat JSONL; legacy: prompt/completion; sharegpt: LLaMA-Factory; "
    "messages: axolotl / TRL with per-message train flags.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the dataset and report into.",
)
@click.option(
    "--aliases",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="People file (TOML or JSON): merges people's names and ids into identities; "
    "its consent = true and opted_out = true entries apply too.",
)
@click.option(
    "--opt-out",
    "opt_out",
    type=click.Choice(["placeholder", "drop-session"]),
    help="What happens to the messages of people who opted out: replaced by a "
    "neutral placeholder, or their sessions left out. [default: the people file's "
    "[consent] policy, else placeholder]",
)
@click.option(
    "--exclude",
    multiple=True,
    metavar="NAME",
    help="Someone who opted out: never in the dataset, name redacted. Repeatable.",
)
@click.option(
    "--consenting",
    multiple=True,
    metavar="NAME",
    help="Someone who agreed to be cloned. Repeatable.",
)
@click.option(
    "--attest-consent",
    is_flag=True,
    help="Attest that the persona agreed to be cloned.",
)
@click.option(
    "--system-prompt",
    metavar="TEXT",
    help="A short description of the persona, as the system message.",
)
@click.option(
    "--gap",
    type=click.FloatRange(min=1),
    default=300,
    show_default=True,
    metavar="SECONDS",
    help="A pause this long ends a conversation (session).",
)
@click.option(
    "--no-redact",
    multiple=True,
    type=click.Choice(_KINDS),
    help="Keep this kind of personal data instead of redacting it. Repeatable.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the train/validation split.",
)
@click.option(
    "--validation-share",
    type=click.FloatRange(0, 1, max_open=True),
    default=0.0,
    show_default=True,
    help="Share of sessions held out in validation.jsonl.",
)
@click.option(
    "--tz",
    default="UTC",
    show_default=True,
    metavar="ZONE",
    help="Zone of exports that store local times (WhatsApp), e.g. Europe/Istanbul.",
)
@click.option(
    "--model",
    metavar="MODEL",
    help="Target model: sets the per-example token budget and the cost estimate. "
    "[default: gpt-4o-mini-2024-07-18; davinci-002 for legacy]",
)
@click.option(
    "--weights",
    type=click.Choice([p.value for p in WeightPolicy]),
    default="all",
    show_default=True,
    help="Train every persona turn of an example, or only the last.",
)
@click.option(
    "--max-entries",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ENTRIES,
    show_default=True,
    help="Most turns in one example.",
)
@click.option(
    "--max-repeats",
    type=click.IntRange(min=1),
    help="Train near-identical persona turns ('lol', 'haha') at most this often.",
)
@click.option(
    "--named",
    is_flag=True,
    help="Legacy format: label speakers by name instead of User/Assistant.",
)
@click.option(
    "--end-marker",
    default="\n###\n",
    help="Legacy format: what ends every completion.  [default: '\\n###\\n']",
)
@input_format_option
@date_order_option
@curation_options
@click.pass_context
@one_line_errors
def build(
    ctx: click.Context,
    *,
    exports: tuple[Path, ...],
    sample: bool,
    persona: str,
    format_: str,
    output: Path,
    aliases: Path | None,
    exclude: tuple[str, ...],
    opt_out: str | None,
    consenting: tuple[str, ...],
    attest_consent: bool,
    system_prompt: str | None,
    gap: float,
    no_redact: tuple[str, ...],
    seed: int,
    validation_share: float,
    tz: str,
    model: str | None,
    weights: str,
    max_entries: int,
    max_repeats: int | None,
    named: bool,
    end_marker: str,
    input_format: str | None,
    date_order: DateOrder | None,
    min_words: int | None,
    drop_laughter: bool,
    cap_phrase: dict[str, int],
    review: Path | None,
) -> None:
    """
    Build a fine-tuning dataset that clones one person.

    Reads every EXPORT (several exports of the same person combine), splits the
    chats into conversations, and writes OUTPUT/train.jsonl (plus
    validation.jsonl with --validation-share, dataset_info.json for sharegpt),
    report.json and report.txt. The files are validated as the fine-tuning
    service would. OUTPUT is written whole or not at all: the files are made in a
    staging folder beside it and replace OUTPUT only when the build succeeds
    (an interrupted or failed build leaves OUTPUT as it was); one build at a
    time may write into OUTPUT.

    Privacy is on by default: the persona must have agreed (--consenting or
    --attest-consent), people who opted out (--exclude) never appear (not even
    in messages someone forwarded from them), and secrets (API keys,
    passwords), phone numbers, e-mail addresses, IBANs, card numbers, URLs and
    excluded names are replaced by placeholders such as <PHONE>, in the dataset,
    the report and error messages alike.

    EXPORT is a chat export: a WhatsApp .txt or .zip, a DiscordChatExporter
    JSON or CSV file, a Telegram, Messenger or Instagram JSON file, a Slack
    export folder, a Signal text export, an iMessage (imessage-exporter) .txt
    file, folder or .zip, or persona_clone's own JSONL.
    """
    if sample == bool(exports):
        raise click.UsageError("give EXPORT paths or --sample (not both)")
    aliases_map, consent = _people_file(aliases, opt_out)
    opted_out = _opted_out(consent, exclude)
    redact = _redactor(aliases_map, opted_out, no_redact)
    curation = curation_steps(
        min_words=min_words, drop_laughter=drop_laughter, cap_phrase=cap_phrase, review=review
    )
    folder = OutputFolder(output, inputs=exports)

    def left() -> str:
        if folder.committed:  # the signal came once the complete build was in place
            return f"the build had finished; {output} holds it"
        return f"nothing was written; {output} is as it was"

    with contextlib.ExitStack() as stack:
        stack.enter_context(exit_on_signals(left))
        stack.enter_context(redacted_errors(redact))
        staging = stack.enter_context(folder)
        carry_reviews(output, staging)
        stack.enter_context(batch_collection())
        opened = _open(
            stack,
            ctx,
            exports,
            sample=sample,
            input_format=input_format,
            tz=tz,
            date_order=date_order,
        )
        persona = _persona(opened, persona, aliases_map, opted_out)
        people = set(consenting) | ({persona} if attest_consent else set())
        if sample:
            people |= _sample_people(opted_out, aliases_map)
        report = build_dataset(
            opened.streams,
            staging,
            persona=persona,
            format=DatasetFormat(format_),
            model=model,
            system_prompt=system_prompt,
            aliases=aliases_map,
            consent=consent,
            exclude=exclude,
            consenting=people,
            no_redact=no_redact,
            gap=dt.timedelta(seconds=gap),
            policy=WeightPolicy(weights),
            max_entries=max_entries,
            validation_share=validation_share,
            seed=seed,
            max_repeats=max_repeats,
            named=named,
            end_marker=end_marker,
            reply_memory=DEFAULT_REPLY_MEMORY if opened.replies else 0,
            example_steps=curation,
        )
        report = _with_input_problems(report, opened.issues)
        # the report says what the dataset says: the same redaction, the final paths
        _finish(mask_report(report, redact, paths=_moved(staging, output)), staging, output)
    click.echo(f"Read {opened.progress.messages:,} messages; wrote {output}", err=True)


def _open(
    stack: contextlib.ExitStack[bool | None],
    ctx: click.Context,
    exports: tuple[Path, ...],
    *,
    sample: bool,
    input_format: str | None,
    tz: str,
    date_order: DateOrder | None,
) -> OpenExports:
    """Open *exports*, or the bundled sample (a WhatsApp chat in its own zone), for the build."""
    if sample:
        exports = (stack.enter_context(sample_path()),)
        input_format = input_format or "whatsapp"
        tz = SAMPLE_TZ if tz == "UTC" else tz
    return stack.enter_context(
        open_exports(
            exports,
            input_format=input_format,
            tz=tz,
            registry=registry_of(ctx),
            label="Building",
            date_order=date_order,
        )
    )


def _opted_out(consent: Consent | None, exclude: tuple[str, ...]) -> Consent:
    """*consent* (from the people file) with the people of --exclude opted out too."""
    from persona_clone.privacy.consent import Consent  # noqa: PLC0415

    given = consent or Consent()
    return attrs.evolve(given, excluded=given.excluded | frozenset(exclude))


def _persona(
    opened: OpenExports, persona: str, aliases: AliasMap | None, opted_out: Consent
) -> str:
    """The participant --persona names (letter case aside, when unambiguous), said if it differs."""
    from persona_clone.privacy.identity import AliasMap  # noqa: PLC0415
    from persona_clone.privacy.speakers import mask_phone  # noqa: PLC0415

    from ._persona import resolve_persona  # noqa: PLC0415 (after --help: it loads difflib)

    found = resolve_persona(
        opened.reopen, persona, aliases=aliases or AliasMap(), consent=opted_out
    )
    if found != persona:
        click.echo(
            f"--persona {mask_phone(persona)!r} is {mask_phone(found)!r} in the exports",
            err=True,
        )
    return found


def _sample_people(opted_out: Consent, aliases: AliasMap | None) -> set[str]:
    """
    The sample's people are fictional: all agreed, except those who opted out.

    Opting out matches as consent lists do (letter case, a phone number's spaces,
    "+" and direction marks aside).
    """
    from persona_clone.message import Participant  # noqa: PLC0415
    from persona_clone.privacy.identity import AliasMap  # noqa: PLC0415

    known = aliases or AliasMap()
    return {
        name
        for name in SAMPLE_PARTICIPANTS
        if not opted_out.is_excluded(Participant.from_name(name), known)
    }


def _with_input_problems(report: DatasetReport, issues: CollectingIssueSink) -> DatasetReport:
    """*report* with a note on the problems met while reading, if any."""
    if not issues.issues:
        return report
    shown = "; ".join(str(issue) for issue in issues.issues[:_MAX_ISSUES_SHOWN])
    return attrs.evolve(
        report,
        notes=(*report.notes, f"{len(issues.issues):,} input problem(s) while reading: {shown}"),
    )


def _finish(report: DatasetReport, staging: Path, output: Path) -> None:
    """Print the report and write it beside the dataset; fail when the dataset would be refused."""
    text = report_text(report)
    click.echo(text, nl=False)
    if not report.ok:
        raise click.ClickException(
            f"{len(report.problems)} problem(s) make the dataset unacceptable; "
            f"first: {report.problems[0]}; nothing was written, {output} is as it was"
        )
    (staging / "report.json").write_text(
        json.dumps(report_json(report), ensure_ascii=False, indent=2) + "\n",
        encoding="utf-8",
    )
    (staging / "report.txt").write_text(text, encoding="utf-8")


def _moved(staging: Path, output: Path) -> Callable[[str], str]:
    """Name the output folder where a text names the staging folder."""
    return lambda text: text.replace(str(staging), str(output))


def _redactor(
    aliases: AliasMap | None, opted_out: Consent, no_redact: tuple[str, ...]
) -> Callable[[str], str]:
    """What the build's redaction does to a text, for its report and its errors."""
    from persona_clone.privacy.identity import AliasMap  # noqa: PLC0415
    from persona_clone.privacy.redaction import RedactionKind  # noqa: PLC0415

    kinds = set(RedactionKind) - {RedactionKind(kind) for kind in no_redact}
    redactor = opted_out.redactor(aliases or AliasMap(), kinds=kinds)
    return display_redaction(lambda text: redactor.redact(text)[0])


def _people_file(path: Path | None, opt_out: str | None) -> tuple[AliasMap | None, Consent | None]:
    """
    Read the alias map and the consent of the people file at *path*, if any.

    Raises:
        ConfigError: The file cannot be read or has a bad key.
    """
    # privacy modules load when a dataset is built, not with the CLI
    from persona_clone.privacy.consent import Consent, OptOutPolicy  # noqa: PLC0415
    from persona_clone.privacy.identity import AliasMap  # noqa: PLC0415

    aliases = AliasMap.load(path) if path is not None else None
    consent = Consent.load(path) if path is not None else None
    if opt_out is not None:
        consent = attrs.evolve(consent or Consent(), policy=OptOutPolicy(opt_out))
    return aliases, consent
