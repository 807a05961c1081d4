"""
The evaluation page: one self-contained HTML file a person would rather look at than read.

It shows the headline figures, every metric for the person beside the clone
(and the model compared with), the distributions side by side, the fixation
timeline of each replay, and the replies furthest from the person's.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Final

from .fidelity import ReplyPair
from .language import Language
from .metrics import NUMERIC_FEATURES, measure
from .report import CLONE, OTHER, PERSON, Evaluation
from .style import compare_styles
from .svg import COLOURS, grouped_bars, histogram, timeline


__all__ = ["render_page", "worst_pairs"]

_SHARES: Final = frozenset({"uppercase", "punctuation"})
_TITLES: Final = {
    "words": "Words per reply",
    "characters": "Characters per reply",
    "messages": "Messages per reply",
    "uppercase": "Upper-case share of letters",
    "punctuation": "Punctuation per character",
    "emoji": "Emoji per reply",
}
_STYLE: Final = """
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1000px;color:#212529;
padding:0 1rem}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #dee2e6}
.cards{display:flex;gap:1rem;flex-wrap:wrap}
.card{border:1px solid #dee2e6;border-radius:8px;padding:.8rem 1.2rem;min-width:180px}
.card b{font-size:1.8rem;display:block}
table{border-collapse:collapse;width:100%}td,th{padding:.3rem .6rem;border-bottom:1px solid #e9ecef;
text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:1rem}
svg{width:100%;height:auto}svg.timeline{width:auto;max-width:100%}
svg .title{font-size:13px;font-weight:600}
svg .axis{font-size:10px;fill:#495057}
.key span{display:inline-block;width:.8rem;height:.8rem;margin:0 .3rem 0 1rem;border-radius:2px}
.ctx{color:#495057;font-size:.9rem;white-space:pre-wrap}.reply{white-space:pre-wrap}
"""


def worst_pairs(pairs: Sequence[ReplyPair], *, top: int = 8) -> list[tuple[float, ReplyPair]]:
    """
    Return the *top* replies furthest from the person's real reply, furthest first.

    A reply's distance is ``style_distance`` between the two single replies:
    the share of features on which they differ (signature phrases aside).
    """
    scored = [
        (compare_styles([pair.real], [pair.clone]).distance, index, pair)
        for index, pair in enumerate(pairs)
    ]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(distance, pair) for distance, _, pair in scored[:top]]


def _card(label: str, value: str, note: str) -> str:
    return f'<div class="card">{escape(label)}<b>{escape(value)}</b>{escape(note)}</div>'


def _key(columns: Sequence[str], names: dict[str, str]) -> str:
    return (
        '<p class="key">'
        + "".join(
            f'<span style="background:{COLOURS[c]}"></span>{escape(names[c])}' for c in columns
        )
        + "</p>"
    )


def _metrics_table(evaluation: Evaluation, names: dict[str, str]) -> str:
    columns = evaluation.columns
    head = "".join(f"<th>{escape(names[c])}</th>" for c in columns)
    rows = []
    for name, values in evaluation.metrics.items():
        cells = "".join(
            f'<td class="n">{values[c]:.3g}</td>' if c in values else "<td></td>" for c in columns
        )
        rows.append(f"<tr><td>{escape(name)}</td>{cells}</tr>")
    parts = "".join(
        f"<tr><td>{escape(name)}</td><td></td>"
        + "".join(f'<td class="n">{values[c]:.2f}</td>' for c in columns[1:] if c in values)
        + "</tr>"
        for name, values in evaluation.components.items()
    )
    return (
        f"<table><tr><th>metric</th>{head}</tr>{''.join(rows)}</table>"
        f"<h3>Parts of style_distance (0 = the person, 1 = nothing alike)</h3>"
        f"<table><tr><th>component</th>{head}</tr>{parts}</table>"
    )


def _distributions(evaluation: Evaluation) -> str:
    texts = {PERSON: [p.real for p in evaluation.pairs], CLONE: [p.clone for p in evaluation.pairs]}
    if evaluation.against is not None:
        texts[OTHER] = [p.against or "" for p in evaluation.pairs]
    features = {column: [measure(t) for t in values] for column, values in texts.items()}
    charts = [
        histogram(
            _TITLES[name],
            {c: [float(getattr(f, name)) for f in fs] for c, fs in features.items()},
            share=name in _SHARES,
        )
        for name in NUMERIC_FEATURES
    ]
    languages = list(Language)
    charts.append(
        grouped_bars(
            "Language of the reply",
            [language.value for language in languages],
            {
                c: [sum(f.language is lang for f in fs) / (len(fs) or 1) for lang in languages]
                for c, fs in features.items()
            },
        )
    )
    charts.append(
        grouped_bars(
            "Replies that laugh",
            ["laughs"],
            {c: [sum(f.laughs for f in fs) / (len(fs) or 1)] for c, fs in features.items()},
        )
    )
    return '<div class="charts">' + "".join(f"<div>{c}</div>" for c in charts) + "</div>"


def _timelines(evaluation: Evaluation, names: dict[str, str]) -> str:
    parts = []
    for column in evaluation.columns:
        summary = evaluation.fixation.get(column)
        if summary is None:
            continue
        rows = [
            [(r.reply, None if r.flagged is None else r.flagged.value) for r in replay.rounds]
            for replay in summary.replays
        ]
        phrases = (
            ", ".join(
                f"{s.phrase!r}{' (alone)' if s.whole_message else ''} x{s.count}"
                for s in summary.phrases
            )
            or "none"
        )
        title = f"{names[column]}: loop rate {summary.loop_rate:.0%}"
        parts.append(
            f"<div><h3>{escape(title)}</h3>{timeline(title, rows)}"
            f"<p>distinct-1 {summary.distinct_1:.2f}, distinct-2 {summary.distinct_2:.2f}; "
            f"most repeated: {escape(phrases)}</p></div>"
        )
    return (
        "<p>One row per replayed conversation, one square per reply: green is fine, "
        "red is a reply the loop guard would have flagged, grey is silence. "
        "Hover for the reply.</p>" + '<div class="charts">' + "".join(parts) + "</div>"
    )


def _worst(evaluation: Evaluation) -> str:
    rows = []
    for distance, pair in worst_pairs(evaluation.pairs):
        context = "\n".join(
            f"{m.get('name') or m.get('role')}: {m.get('content')}" for m in pair.context[-3:]
        )
        other = (
            f'<td class="reply">{escape(pair.against or "")}</td>'
            if evaluation.against is not None
            else ""
        )
        rows.append(
            f'<tr><td class="n">{distance:.2f}</td><td class="ctx">{escape(context)}</td>'
            f'<td class="reply">{escape(pair.real)}</td><td class="reply">{escape(pair.clone)}</td>'
            f"{other}</tr>"
        )
    other_head = "<th>against</th>" if evaluation.against is not None else ""
    return (
        "<table><tr><th>distance</th><th>context (last 3)</th><th>person</th><th>clone</th>"
        f"{other_head}</tr>{''.join(rows)}</table>"
    )


def render_page(evaluation: Evaluation) -> str:
    """Return ``evaluation.html``: the whole page, styles and charts inline."""
    names = {PERSON: "person", CLONE: evaluation.model, OTHER: evaluation.against or ""}
    cards = [
        _card(
            "style distance",
            f"{evaluation.style_distance:.2f}",
            "0 = the person, 1 = nothing alike",
        ),
        _card("loop rate", f"{evaluation.loop_rate:.0%}", "replays in which the clone fixated"),
        _card(
            "person's loop rate",
            f"{evaluation.fixation[PERSON].loop_rate:.0%}",
            "the same check on the real replies",
        ),
        _card("replies compared", str(evaluation.replies), f"model {evaluation.model}"),
    ]
    if evaluation.against is not None:
        cards.append(
            _card(
                f"{evaluation.against}",
                f"{evaluation.style_distance_of(OTHER):.2f}",
                f"style distance; loop rate {evaluation.fixation[OTHER].loop_rate:.0%}",
            )
        )
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Evaluation of {escape(evaluation.model)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>Is {escape(evaluation.model)} any good?</h1>"
        f'<div class="cards">{"".join(cards)}</div>'
        f"<h2>Metrics</h2>{_key(evaluation.columns, names)}{_metrics_table(evaluation, names)}"
        f"<h2>Distributions</h2>{_key(evaluation.columns, names)}{_distributions(evaluation)}"
        f"<h2>Fixation</h2>{_timelines(evaluation, names)}"
        f"<h2>Replies furthest from the person's</h2>{_worst(evaluation)}"
        "</body></html>\n"
    )
