"""Tests for the evaluation page: persona_clone.evaluation.html and .svg."""

from __future__ import annotations

from persona_clone.evaluation import Evaluation, ReplyPair, RequestPlan, render_page
from persona_clone.evaluation.fixation import Replay, Round, summarize
from persona_clone.evaluation.html import worst_pairs
from persona_clone.evaluation.svg import histogram_bins, timeline
from persona_clone.serving.loop_guard import RepetitionKind


def evaluation(pairs: list[ReplyPair]) -> Evaluation:
    """A small evaluation of *pairs*, with one replay per column."""
    replay = Replay(start=0, rounds=(Round(reply="lol"), Round(reply="lol", flagged=None)))
    flagged = Replay(
        start=0,
        rounds=(
            Round(reply="lol"),
            Round(reply=""),
            Round(reply="lol", flagged=RepetitionKind.NEAR_DUPLICATE),
        ),
    )
    return Evaluation(
        model="ft:x",
        against=None,
        replies=len(pairs),
        style_distance=0.5,
        loop_rate=1.0,
        metrics={"words": {"person": 2.0, "clone": 1.0}},
        components={"words": {"clone": 0.5}},
        pairs=tuple(pairs),
        fixation={"person": summarize([replay]), "clone": summarize([flagged])},
        plan=RequestPlan(replies=len(pairs), conversations=1, rounds=3),
    )


class TestPage:
    def test_texts_are_escaped(self) -> None:
        """Chat text is shown as text: markup in a reply never becomes markup."""
        pairs = [ReplyPair(context=[{"role": "user", "name": "Bob", "content": "<b>hi</b>"}],
                           real="<script>alert(1)</script>", clone="ok")]  # fmt: skip

        page = render_page(evaluation(pairs))

        assert "<script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;b&gt;hi&lt;/b&gt;" in page

    def test_worst_first(self) -> None:
        """The replies furthest from the person's come first."""
        close = ReplyPair(real="haha tamam", clone="haha olur")
        far = ReplyPair(real="haha tamam", clone="I would be delighted to help you with that!")

        assert [far, close] == [pair for _, pair in worst_pairs([close, far])]

    def test_timeline_colours(self) -> None:
        """Fine replies are green, flagged ones red, silence grey; each says its reply."""
        svg = timeline("t", [[("ok", None), ("lol", "near-duplicate"), ("", None)]])

        assert ["#2f9e44", "#e03131", "#ced4da"] == [
            part.split('"')[0] for part in svg.split('fill="')[1:]
        ]
        assert "round 2 [near-duplicate]: lol" in svg
        assert "(silent)" in svg


class TestBins:
    def test_shares_span_the_data(self) -> None:
        """Share bins run from 0 to the largest share, rounded up to 5%."""
        edges = histogram_bins([0.01, 0.03], share=True, bins=5)

        assert 0.0 == edges[0]
        assert abs(0.05 - edges[-1]) < 1e-12

    def test_counts_cover_the_largest(self) -> None:
        """Count bins reach past the largest value."""
        assert 40 < histogram_bins([0, 3, 40], share=False)[-1]
