"""
The header grammar of WhatsApp ``.txt`` exports, learned from the whole file.

An export is written with one header shape throughout (brackets or a dash,
separators, seconds or not, 12 h or 24 h) and one date order. `HeaderSurvey`
reads the file once, in bounded memory, and collects only what decides them:
how often each header *shape* occurs and the distinct dates, in the order they
first appear. `HeaderSurvey.grammar` then picks the file's shape and date order
and returns a `FileGrammar`: one compiled regex that matches exactly the file's
headers, and the function that turns a header's fields into a date and time.
"""

from __future__ import annotations

import enum
import itertools
import re
from collections import Counter
from collections.abc import Callable, Collection
from typing import Final

from attrs import Factory, define, field, frozen

from persona_clone.parsers.whatsapp.locale import (
    AM_MARKERS,
    BIDI_MARKS,
    PM_MARKERS,
    marker_key,
)


__all__ = [
    "SNIFF_HEADER",
    "DateOrder",
    "FileGrammar",
    "HeaderShape",
    "HeaderSurvey",
    "NoHeaderError",
]


class DateOrder(enum.Enum):
    """The order of day, month and year in a WhatsApp header's date."""

    DMY = "d/m/y"
    """Day first (most locales: ``31/12/2023``)."""
    MDY = "m/d/y"
    """Month first (US English: ``12/31/23``)."""
    YMD = "y/m/d"
    """Year first (ISO-like, East Asian: ``2023/12/31``, ``2023. 12. 31.``)."""


_B: Final = f"[{BIDI_MARKS}]*"
_GAP: Final = "[ \u00a0\u202f]"
_DATE: Final = rf"\d{{1,4}}{_B}[./-]{_B} ?\d{{1,2}}{_B}[./-]{_B} ?\d{{1,4}}\.?"
_WORD: Final = rf"[^\W\d_]{{1,6}}\.?(?:{_GAP}[^\W\d_]{{1,6}}\.?)?"
"""One or two words between date and time (``à``, ``klo``, ``kl.``, ``um``, ``o godz.``)."""
_DTS: Final = (
    rf"(?:[,\u060c][ \u00a0]?|{_GAP}à{_GAP}|{_GAP}klo{_GAP}|{_GAP}|[,\u060c]?{_GAP}{_WORD}{_GAP})"
)
_MARK_BEFORE: Final = r"[^\d\s\[\]\-:.,]{1,4}"
_MARK_AFTER: Final = r"[^\d\s\[\]\-\u2013:][^\[\]\-\u2013\n\d:]{0,8}?"
_TAIL: Final = (
    rf"{_DTS}{_B}"
    rf"(?:{_MARK_BEFORE}{_GAP}?)?\d{{1,2}}[:.]\d\d(?:[:.]\d\d)?(?:{_GAP}?{_MARK_AFTER})?"
    rf"{_B}(?:\]|{_GAP}[-\u2013]|:){_GAP}"
)
_SCAN: Final = re.compile(rf"\n({_B}\[?{_B}{_DATE})({_TAIL})")
"""A permissive header at the start of a line (after a newline): (date, tail)."""

_DATE_PARTS: Final = re.compile(
    rf"^{_B}(?P<bracket>\[?){_B}(?P<a>\d{{1,4}}){_B}(?P<sep>[./-]){_B}(?P<sp> ?)"
    rf"(?P<b>\d{{1,2}}){_B}(?P=sep){_B}(?P=sp)(?P<c>\d{{1,4}})(?P<dot>\.?)$"
)
_TAIL_PARTS: Final = re.compile(
    rf"^(?P<dts>{_DTS}){_B}"
    rf"(?:(?P<pre>{_MARK_BEFORE})(?P<gap>{_GAP}?))?"
    rf"(?P<hour>\d{{1,2}})(?P<ts>[:.])\d\d(?P<sec>(?P=ts)\d\d)?"
    rf"(?:{_GAP}?(?P<post>{_MARK_AFTER}))?{_B}(?P<end>\]|{_GAP}[-\u2013]|:){_GAP}$"
)

SNIFF_HEADER: Final = re.compile(
    rf"^{_B}(?P<bracket>\[)?{_B}{_DATE}{_DTS}{_B}(?:{_MARK_BEFORE}{_GAP}?)?"
    rf"\d{{1,2}}[:.]\d\d(?P<seconds>[:.]\d\d)?(?:{_GAP}?{_MARK_AFTER})?{_B}"
    rf"(?:\]|{_GAP}[-\u2013]|(?P<colon>:)){_GAP}"
)
"""A line that starts with a WhatsApp header of any shape (for sniffing)."""

_CENTURY: Final = 2000
_LINE_START: Final = 4096
"""How much of a line the survey keeps: far more than any header."""
_MAX_DAY: Final = 31
_MAX_MONTH: Final = 12


class NoHeaderError(ValueError):
    """The survey found no WhatsApp message header at all."""


@frozen(kw_only=True)
class HeaderShape:
    """
    The shape of every header in one export.

    Args:
        ios: An iOS header (``[date, time] author: body``, or the older
            ``date time: author: body``) rather than Android's ``date, time - author: body``.
        date_separator: ``/``, ``.`` or ``-``.
        spaced_date: Whether a space follows each date separator (``2024. 1. 15.``).
        final_dot: Whether the date ends with a dot (Korean, Hungarian).
        date_time_separator: What stands between date and time (``", "``, ``" à "``).
        time_separator: ``:`` or ``.`` (Finnish, Danish).
        seconds: Whether times carry seconds (always on iOS).
        marker: ``None`` for 24 h; ``"before"`` or ``"after"`` the time for 12 h.
        closing: What ends the header: ``"]"`` (a bracketed header), ``"-"``
            (a dash or en dash) or ``":"`` (a colon right after the time);
            by default ``"]"`` for iOS and ``"-"`` otherwise.
    """

    ios: bool
    date_separator: str
    spaced_date: bool
    final_dot: bool
    date_time_separator: str
    time_separator: str
    seconds: bool
    marker: str | None
    closing: str = field(default=Factory(lambda self: "]" if self.ios else "-", takes_self=True))

    def describe(self) -> str:
        """A readable example of the shape, for reports."""
        sep = self.date_separator + (" " if self.spaced_date else "")
        date = f"dd{sep}mm{sep}yy" + ("." if self.final_dot else "")
        clock = f"HH{self.time_separator}MM" + (f"{self.time_separator}SS" if self.seconds else "")
        if self.marker == "before":
            clock = "PM " + clock
        elif self.marker == "after":
            clock += " PM"
        stamp = f"{date}{self.date_time_separator}{clock}"
        if self.closing == "]":
            return f"[{stamp}] author: text"
        if self.closing == ":":
            return f"{stamp}: author: text"
        return f"{stamp} - author: text"


Fields = tuple[int, int, int, int, int, int]
"""Year, month, day, hour, minute, second."""


@frozen(kw_only=True)
class FileGrammar:
    """
    What was learned about one export: its header regex and how to read a header.

    Args:
        shape: The header shape of the file.
        order: The date order of the file.
        header: Matches exactly the file's headers at the start of a line; the
            body starts at ``match.end()``.
        fields: Turns the header match's groups into `Fields`; raises `ValueError`
            naming the problem (unknown marker, impossible date).
        warnings: What was guessed while learning (ambiguous order, odd lines).
        layout: Positions in the header match's groups of year, month, day,
            hour, minute, second and marker.
        meaning: Whether a marker means after noon (``None``: unknown).
    """

    shape: HeaderShape
    order: DateOrder
    header: re.Pattern[str]
    fields: Callable[[tuple[str | None, ...]], Fields]
    warnings: tuple[str, ...] = ()
    layout: tuple[int, int, int, int, int, int, int] = (0, 1, 2, 3, 4, 5, 6)
    meaning: Callable[[str], bool | None] = lambda _: None

    def afternoon(self, mark: str, hour: int) -> int:
        """
        Return *hour* on the 24 h clock given the day-period *mark*.

        Raises:
            ValueError: the marker is unknown or the hour is over 12.
        """
        after_noon = self.meaning(mark)
        if after_noon is None:
            raise ValueError(f"a known day-period marker (AM/PM), found {mark!r}")
        if hour > 12:  # noqa: PLR2004 - 00 is written for the hour after midnight
            raise ValueError(f"an hour from 0 to 12 before {mark!r}, found {hour}")
        return hour % 12 + (12 if after_noon else 0)


def _closing(end: str) -> str:
    return end if end in ("]", ":") else "-"


@define(kw_only=True)
class HeaderSurvey:
    """
    The first pass over an export: header shape and dates, in bounded memory.

    Feed it the file's text in chunks (`feed`), then ask for the `grammar`.
    The shape is learned from the first `learn` headers with a permissive
    pattern; the rest of the file is then scanned with the file's own header
    pattern, collecting only the distinct dates. Memory grows with the number
    of distinct dates and times of day, never with the number of messages.

    Args:
        learn: How many headers decide the shape before the fast scan starts.
    """

    learn: int = 2000
    _dates: Counter[str] = field(init=False, factory=Counter)
    _tails: Counter[str] = field(init=False, factory=Counter)
    _seen: int = field(init=False, default=0)
    _shape: HeaderShape | None = field(init=False, default=None)
    _warnings: list[str] = field(init=False, factory=list)
    _fast: re.Pattern[str] | None = field(init=False, default=None)
    _spellings: tuple[str, ...] = field(init=False, default=())
    _carry: str = field(init=False, default="\n")

    @property
    def shape_known(self) -> bool:
        """Whether the header shape is decided (only dates are collected after that)."""
        return self._shape is not None

    def feed(self, text: str) -> None:
        """
        Take the next chunk of the file's text (any length, any cut).

        Only the start of a line can be a header, so of a line longer than a
        few kilobytes only the start is kept: work and memory stay linear.
        """
        cut = text.rfind("\n")
        if cut < 0:
            if len(self._carry) < _LINE_START:
                self._carry += text[:_LINE_START]
            return
        self._scan(self._carry + text[:cut])
        self._carry = text[cut:]

    def _scan(self, text: str) -> None:
        if self._fast is not None:
            self._dates.update(self._fast.findall(text))
            return
        found = _SCAN.findall(text)
        if found:
            dates, tails = zip(*found, strict=True)
            self._dates.update(dates)
            self._tails.update(tails)
            self._seen += len(found)
            if self._seen >= self.learn:
                self._decide_shape()

    def _decide_shape(self) -> HeaderShape:
        """Pick the most common shape and keep only the dates written in it."""
        date_styles: Counter[tuple[bool, str, bool, bool]] = Counter()
        for date, count in self._dates.items():
            parts = _DATE_PARTS.match(date)
            if parts is not None:
                date_styles[_date_style(parts)] += count
        tail_shapes: Counter[tuple[str, str, bool, str | None, str]] = Counter()
        spellings: Counter[str] = Counter()
        tails = [
            (parts, count)
            for tail, count in self._tails.items()
            if (parts := _TAIL_PARTS.match(tail)) is not None
        ]
        word = _separator_word([parts for parts, _ in tails])
        for parts, count in tails:
            dts, pre = parts["dts"], parts["pre"]
            if pre is not None and pre == word:
                dts, pre = dts + pre + parts["gap"], None  # "um": a word, not AM/PM
            spellings[pre or parts["post"] or ""] += count
            mark = "before" if pre else "after" if parts["post"] else None
            key = (dts, parts["ts"], parts["sec"] is not None, mark, _closing(parts["end"]))
            tail_shapes[key] += count
        if not date_styles or not tail_shapes:
            raise NoHeaderError("no line looks like a WhatsApp message header")
        style, _ = date_styles.most_common(1)[0]
        (dts, ts, seconds, mark, closing), dominant = tail_shapes.most_common(1)[0]
        bracket, sep, spaced, dot = style
        shape = HeaderShape(
            ios=closing != "-" or bracket,
            closing=closing,
            date_separator=sep,
            spaced_date=spaced,
            final_dot=dot,
            date_time_separator=dts,
            time_separator=ts,
            seconds=seconds,
            marker=mark,
        )
        others = sum(tail_shapes.values()) - dominant
        if others:
            self._warnings.append(
                f"{others} line(s) look like headers of another shape than the file's "
                f"({shape.describe()!r}) and were read as continuation lines"
            )
        kept: Counter[str] = Counter()
        for date, count in self._dates.items():
            parts = _DATE_PARTS.match(date)
            if parts is not None and _date_style(parts) == style:
                kept[date] = count
        self._dates = kept
        self._tails = Counter()
        self._shape = shape
        # The markers seen so far are tried first; any other spelling still matches.
        self._spellings = tuple(m for m, _ in spellings.most_common(8) if m)
        pattern = _header_pattern(shape, date_only=True, spellings=self._spellings)
        # After a header, the lines that start with the same date text, and those
        # that cannot start a header (not a digit, "[" or direction mark), are
        # consumed without trying the header pattern on them: a header among them
        # has that same date, so the distinct dates and their first-seen order stay
        # those of a scan of every line, at a third of its cost.
        self._fast = re.compile(
            "\n(" + pattern + ")" + rf"[^\n]*(?:\n(?:\1(?!\d)|(?![\d\[{BIDI_MARKS}]))[^\n]*)*"
        )
        return shape

    def grammar(
        self,
        *,
        order: DateOrder | None = None,
        default_order: DateOrder = DateOrder.DMY,
        am_markers: Collection[str] = (),
        pm_markers: Collection[str] = (),
    ) -> FileGrammar:
        """
        Decide the file's header shape and date order.

        Args:
            order: Force the date order instead of inferring it.
            default_order: The order used when the dates cannot decide (with a warning).
            am_markers: Extra spellings of before-noon markers.
            pm_markers: Extra spellings of after-noon markers.

        Raises:
            NoHeaderError: no line looks like a WhatsApp header.
        """
        self._scan(self._carry)
        self._carry = "\n"
        shape = self._shape if self._shape is not None else self._decide_shape()
        warnings = list(self._warnings)
        dates = []
        for date in self._dates:
            parts = _DATE_PARTS.match(date)
            if parts is not None:
                dates.append((int(parts["a"]), int(parts["b"]), int(parts["c"]), len(parts["a"])))
        if order is None:
            order, guess = _infer_order(dates, default_order)
            if guess:
                warnings.append(guess)
        am = frozenset(map(marker_key, am_markers)) | AM_MARKERS
        pm = frozenset(map(marker_key, pm_markers)) | PM_MARKERS
        fields, layout, meaning = _field_reader(shape, order, am, pm)
        return FileGrammar(
            shape=shape,
            order=order,
            header=re.compile(_header_pattern(shape, spellings=self._spellings)),
            fields=fields,
            layout=layout,
            meaning=meaning,
            warnings=tuple(warnings),
        )


def _separator_word(tails: Collection[re.Match[str]]) -> str | None:
    """
    The word written before every time, if it separates date and time.

    A word before the time is a day-period marker (``오후 3:45``) unless it is
    always the same word, no language writes it for AM or PM, and an hour
    after 12 follows it (``15.01.24 um 21:05``): then it is a separator.
    """
    before = {parts["pre"] for parts in tails if parts["pre"]}
    if len(before) != 1:
        return None
    (word,) = before
    key = marker_key(word)
    if key in AM_MARKERS or key in PM_MARKERS:
        return None
    hours = (int(parts["hour"]) for parts in tails if parts["pre"] == word)
    return word if max(hours) > 12 else None  # noqa: PLR2004 - a 24-hour clock


def _date_style(parts: re.Match[str]) -> tuple[bool, str, bool, bool]:
    return (bool(parts["bracket"]), parts["sep"], bool(parts["sp"]), bool(parts["dot"]))


_CHOOSE_ORDER: Final = "pass date_order= (--date-order on the command line) to choose"
"""How a reader whose file's date order was guessed chooses it, in Python or in the CLI."""


def _infer_order(  # noqa: PLR0911 - one return per rule of the reference
    dates: list[tuple[int, int, int, int]], default: DateOrder
) -> tuple[DateOrder, str]:
    """Return the date order the dates prove, and a warning if it had to be guessed."""
    if not dates:
        return default, ""
    year_first = sum(1 for a, _, _, digits in dates if digits >= 3 or a > _MAX_DAY)  # noqa: PLR2004
    if year_first * 2 > len(dates):
        return DateOrder.YMD, ""
    day_first = sum(1 for a, _, _, _ in dates if a > _MAX_MONTH)
    month_first = sum(1 for _, b, _, _ in dates if b > _MAX_MONTH)
    if day_first and not month_first:
        return DateOrder.DMY, ""
    if month_first and not day_first:
        return DateOrder.MDY, ""
    if day_first and month_first:
        chosen = DateOrder.DMY if day_first >= month_first else DateOrder.MDY
        return chosen, (
            f"the dates mix day-first ({day_first}) and month-first ({month_first}) "
            f"writing (two exports joined?); read as {chosen.value}: {_CHOOSE_ORDER}"
        )
    dmy = _descents([(c, b, a) for a, b, c, _ in dates])
    mdy = _descents([(c, a, b) for a, b, c, _ in dates])
    if dmy == 0 < mdy:
        return DateOrder.DMY, ""
    if mdy == 0 < dmy:
        return DateOrder.MDY, ""
    return default, (
        f"no date proves the day/month order (every day is 12 or less); read as "
        f"{default.value}: {_CHOOSE_ORDER}"
    )


def _descents(dates: list[tuple[int, int, int]]) -> int:
    return sum(1 for earlier, later in itertools.pairwise(dates) if later < earlier)


def _header_pattern(
    shape: HeaderShape, *, date_only: bool = False, spellings: tuple[str, ...] = ()
) -> str:
    """
    The regex source of exactly *shape*'s header.

    Groups: date fields, hour, minute, second (empty when absent) and the
    day-period marker (empty for 24 h), the marker first when it precedes the
    time. With *date_only*, no groups: the caller wraps the date part.
    The marker *spellings* are tried first (a speed-up); any marker matches.
    """
    known = "".join(re.escape(m) + "|" for m in spellings)
    sep = _B + re.escape(shape.date_separator) + _B + (" " if shape.spaced_date else "")
    g = "(?:" if date_only else "("
    empty = "" if date_only else "()"
    date = rf"{g}\d{{1,4}}){sep}{g}\d{{1,2}}){sep}{g}\d{{1,4}})" + (
        r"\." if shape.final_dot else ""
    )
    ts = re.escape(shape.time_separator)
    clock = rf"{g}\d{{1,2}}){ts}{g}\d\d)" + (rf"{ts}{g}\d\d)" if shape.seconds else empty)
    if shape.marker == "before":
        clock = rf"{g}{known}{_MARK_BEFORE}){_GAP}?{clock}"
    elif shape.marker == "after":
        clock = rf"{clock}{_GAP}?{g}{known}{_MARK_AFTER})"
    else:
        clock += empty
    start = rf"{_B}\[{_B}" if shape.closing == "]" else _B
    end = {
        "]": rf"{_B}\] ",
        ":": rf"{_B}: ",
    }.get(shape.closing, rf"{_B}{_GAP}[-\u2013]{_GAP}")
    dts = re.escape(shape.date_time_separator).replace(r"\ ", _GAP)
    if date_only:
        return f"{start}{date})(?={dts}{_B}{clock}{end}"
    return f"{start}{date}{dts}{_B}{clock}{end}"


def _field_reader(
    shape: HeaderShape, order: DateOrder, am: frozenset[str], pm: frozenset[str]
) -> tuple[
    Callable[[tuple[str | None, ...]], Fields],
    tuple[int, int, int, int, int, int, int],
    Callable[[str], bool | None],
]:
    """Return the fields reader, the groups' layout and the marker meaning."""
    yi, mi, di = {
        DateOrder.DMY: (2, 1, 0),
        DateOrder.MDY: (2, 0, 1),
        DateOrder.YMD: (0, 1, 2),
    }[order]
    meanings: dict[str, bool | None] = {}

    def meaning(mark: str) -> bool | None:
        known = meanings.get(mark, False)
        if known is False:
            key = marker_key(mark)
            known = meanings[mark] = False if key in am else True if key in pm else None
        return known

    if shape.marker == "before":
        ki, hi, ni, si = 3, 4, 5, 6
    else:
        hi, ni, si, ki = 3, 4, 5, 6

    def fields(groups: tuple[str | None, ...]) -> Fields:
        year = int(groups[yi])  # type: ignore[arg-type]
        if year < 100:  # noqa: PLR2004 - two-digit years are 20yy
            year += _CENTURY
        hour = int(groups[hi])  # type: ignore[arg-type]
        mark = groups[ki]
        if mark:
            after_noon = meaning(mark)
            if after_noon is None:
                raise ValueError(f"a known day-period marker (AM/PM), found {mark!r}")
            if hour > 12:  # noqa: PLR2004 - 00 is written for the hour after midnight
                raise ValueError(f"an hour from 0 to 12 before {mark!r}, found {hour}")
            hour = hour % 12 + (12 if after_noon else 0)
        return (
            year,
            int(groups[mi]),  # type: ignore[arg-type]
            int(groups[di]),  # type: ignore[arg-type]
            hour,
            int(groups[ni]),  # type: ignore[arg-type]
            int(groups[si] or 0),
        )

    return fields, (yi, mi, di, hi, ni, si, ki), meaning
