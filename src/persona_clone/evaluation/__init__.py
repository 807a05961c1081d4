"""
Evaluation: does the clone text like the person, and does it keep making sense?

``persona-clone evaluate`` runs it; the pieces are public for scripts:

- `read_conversations` reads a held-out chat-format dataset.
- `CloneModel` reaches a model as serving does.
- `Evaluator` plans the requests and runs reply fidelity and fixation.
- `compare_styles`, `measure`, `language_of` and the `distances` are the measures.
- `write_outputs` and `render_page` write ``evaluation.json``, ``replies.jsonl``
  and ``evaluation.html``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from .._lazy import LazyNames


if TYPE_CHECKING:
    from .clone import CloneModel
    from .conversations import (
        Entry,
        HeldOutConversation,
        read_conversations,
    )
    from .distances import (
        ks_distance,
        total_variation,
        weighted_jaccard_distance,
    )
    from .evaluator import Evaluator
    from .fidelity import ReplyPair
    from .fixation import (
        FixationSummary,
        Replay,
        Round,
        distinct_n,
    )
    from .html import render_page
    from .language import (
        Language,
        language_of,
    )
    from .metrics import (
        ReplyFeatures,
        measure,
    )
    from .plan import (
        RequestPlan,
        plan_requests,
    )
    from .report import (
        Evaluation,
        write_outputs,
    )
    from .style import (
        SignaturePhrases,
        StyleComparison,
        compare_styles,
    )


__all__ = [
    "CloneModel",
    "Entry",
    "Evaluation",
    "Evaluator",
    "FixationSummary",
    "HeldOutConversation",
    "Language",
    "Replay",
    "ReplyFeatures",
    "ReplyPair",
    "RequestPlan",
    "Round",
    "SignaturePhrases",
    "StyleComparison",
    "compare_styles",
    "distinct_n",
    "ks_distance",
    "language_of",
    "measure",
    "plan_requests",
    "read_conversations",
    "render_page",
    "total_variation",
    "weighted_jaccard_distance",
    "write_outputs",
]

_NAMES: Final = {
    "CloneModel": ".clone",
    "Entry": ".conversations",
    "Evaluation": ".report",
    "Evaluator": ".evaluator",
    "FixationSummary": ".fixation",
    "HeldOutConversation": ".conversations",
    "Language": ".language",
    "Replay": ".fixation",
    "ReplyFeatures": ".metrics",
    "ReplyPair": ".fidelity",
    "RequestPlan": ".plan",
    "Round": ".fixation",
    "SignaturePhrases": ".style",
    "StyleComparison": ".style",
    "compare_styles": ".style",
    "distinct_n": ".fixation",
    "ks_distance": ".distances",
    "language_of": ".language",
    "measure": ".metrics",
    "plan_requests": ".plan",
    "read_conversations": ".conversations",
    "render_page": ".html",
    "total_variation": ".distances",
    "weighted_jaccard_distance": ".distances",
    "write_outputs": ".report",
}
"""Each public name -> the module that defines it (imported on first use)."""

if not TYPE_CHECKING:  # type checkers see the imports above; unknown names stay errors
    LazyNames(__name__, _NAMES).install(globals())
