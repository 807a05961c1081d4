"""The first pass learns the same grammar however the file is cut into chunks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from persona_clone.parsers.whatsapp_grammar import HeaderSurvey
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
