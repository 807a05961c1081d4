"""The first pass learns the same grammar however the file is cut, whatever lies between."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from persona_clone.parsers.whatsapp.grammar import HeaderSurvey
from persona_clone.testing.whatsapp import WhatsAppExport, whatsapp_exports


def _grammar(text: str, cuts: list[int], learn: int) -> tuple[object, ...]:
    """Learn from *text* cut at *cuts*; return what must not depend on the cuts."""
    survey = HeaderSurvey(learn=learn)
    start = 0
    for cut in sorted(cuts):
        survey.feed(text[start:cut])
        start = cut
    survey.feed(text[start:])
    grammar = survey.grammar()
    headers = [bool(grammar.header.match(line)) for line in text.split("\n")]
    return (grammar.shape, grammar.order, headers)


class TestHeaderSurvey:
    @given(
        export=whatsapp_exports(),
        cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=8),
        learn=st.integers(min_value=1, max_value=5),
    )
    def test_chunking_does_not_matter(
        self, export: WhatsAppExport, cuts: list[int], learn: int
    ) -> None:
        """Whole text or pieces, learning from few headers or many: same grammar."""
        cuts = [min(c, len(export.text)) for c in cuts]

        assert _grammar(export.text, [], 10**9)[:3] == _grammar(export.text, cuts, learn)[:3]


_DATES = st.tuples(
    st.integers(min_value=1, max_value=28),
    st.integers(min_value=1, max_value=28),
    st.sampled_from([23, 24]),
).map(lambda d: f"{d[0]:02d}/{d[1]:02d}/{d[2]}")
_LINES = st.one_of(
    _DATES.map(lambda date: ("header", date)),
    st.sampled_from(
        [
            "{same} was fun",
            "{same}, 10:00 happened",
            "{other} later",
            "{same}1 odd",
            "{same}1, 10:00 - B: a longer year",
            "{other}, 10:00 - B: another date",
        ]
    ).map(lambda form: ("line", form)),
    st.sampled_from(["", "[x]", "\u200eplain", "plain words", "5 apples"]).map(
        lambda line: ("line", line)
    ),
)


class TestDateScan:
    @given(lines=st.lists(_LINES, min_size=1, max_size=40), other=_DATES)
    def test_lines_between_headers_do_not_change_the_dates(
        self, lines: list[tuple[str, str]], other: str
    ) -> None:
        """Lines that repeat a header's date or cannot start one leave order and warnings alone."""
        written = []
        same = "01/01/23"
        for kind, value in lines:
            if kind == "header":
                same = value
                written.append(f"{value}, 10:00 - A: x")
            else:
                written.append(value.format(same=same, other=other))
        text = "01/01/23, 09:00 - A: start\n" + "\n".join(written) + "\n"

        def learned(learn: int) -> tuple[object, ...]:
            survey = HeaderSurvey(learn=learn)
            first, rest = text.split("\n", 1)
            survey.feed(first + "\n")  # the shape is learned here when learn is 1
            survey.feed(rest)
            grammar = survey.grammar()
            dates = list(survey._dates)  # the distinct dates, in order of first sight
            return grammar.order, grammar.warnings, dates

        assert learned(10**9) == learned(1)
