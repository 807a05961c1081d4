"""Any consistent WhatsApp header shape (date, time, separators, bracket or not) reads back."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from persona_clone import DateOrder, WhatsAppParser, parse
from persona_clone.parsers import CollectingIssueSink


_FIELDS = {DateOrder.DMY: "dmy", DateOrder.MDY: "mdy", DateOrder.YMD: "ymd"}


@st.composite
def shapes(draw: st.DrawFn) -> dict[str, object]:
    """The pieces of one header shape."""
    return {
        "closing": draw(st.sampled_from(["]", "-", ":"])),
        "date_separator": draw(st.sampled_from(["/", ".", "-"])),
        "date_time_separator": draw(st.sampled_from([", ", " "])),
        "seconds": draw(st.booleans()),
        "twelve": draw(st.booleans()),
        "long_year": draw(st.booleans()),
        "order": draw(st.sampled_from(list(_FIELDS))),
    }


def _header(shape: dict[str, object], at: dt.datetime) -> str:
    year = f"{at.year}" if shape["long_year"] else f"{at.year % 100:02d}"
    parts = {"d": f"{at.day:02d}", "m": f"{at.month:02d}", "y": year}
    order = _FIELDS[shape["order"]]  # type: ignore[index]
    date = str(shape["date_separator"]).join(parts[f] for f in order)
    if shape["twelve"]:
        clock = f"{(at.hour % 12) or 12}:{at.minute:02d}"
    else:
        clock = f"{at.hour:02d}:{at.minute:02d}"
    if shape["seconds"]:
        clock += f":{at.second:02d}"
    if shape["twelve"]:
        clock += " PM" if at.hour >= 12 else " AM"
    stamp = f"{date}{shape['date_time_separator']}{clock}"
    if shape["closing"] == "]":
        return f"[{stamp}] "
    if shape["closing"] == ":":
        return f"{stamp}: "
    return f"{stamp} - "


@given(
    shapes(),
    st.lists(st.integers(1, 3 * 24 * 3600), min_size=1, max_size=20),
    st.lists(st.sampled_from(["Ada", "Bob Yılmaz", "+44 7700 900123"]), min_size=20),
)
def test_shape_round_trips(shape: dict[str, object], steps: list[int], authors: list[str]) -> None:
    """A chat written in any consistent header shape parses back to its times and authors."""
    start = dt.datetime(2024, 3, 14, 8, 0, tzinfo=dt.timezone.utc)
    times, at = [], start
    for step in steps:
        at += dt.timedelta(seconds=step if shape["seconds"] else 60 * (step // 60 + 1))
        times.append(at)
    lines = [f"{_header(shape, t)}{authors[i]}: line {i}: ok\n" for i, t in enumerate(times)]
    sink = CollectingIssueSink()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "chat.txt"
        path.write_text("".join(lines), encoding="utf-8")
        parser = WhatsAppParser(date_order=shape["order"])  # type: ignore[arg-type]
        messages = list(parse(path, format=parser, issues=sink))

    assert [(t, authors[i], f"line {i}: ok") for i, t in enumerate(times)] == [
        (m.sent_at, m.author and m.author.name, m.text) for m in messages
    ]
    assert [] == sink.errors
