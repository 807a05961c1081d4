"""
Style fidelity: how far a set of replies is from the person's, in one number.

`SignaturePhrases` holds the phrases the person uses far more than the people
they talk to (found by `persona_clone.dataset.repetition.repeated_phrases`).
`style_figures` gives the figures of one set of replies (mean words per
reply, share of replies that laugh, ...); `compare_styles` gives the distance
of each feature's distribution from the person's and combines them into
``style_distance``:

========================  ===================================================
component                 distance between the person's and the clone's ...
========================  ===================================================
words, characters,        numbers per reply: `ks_distance`
messages, uppercase,
punctuation, emoji
laughter                  share of replies that laugh: the absolute difference
language                  Turkish / English / mixed / neither: `total_variation`
signature_phrases         share of replies using each signature phrase:
                          `weighted_jaccard_distance` (left out when the person
                          has no signature phrase in the data)
========================  ===================================================

``style_distance`` is the plain mean of the components: 0 when every
distribution is the person's, 1 when none has anything in common with it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from statistics import fmean
from typing import Final

from attrs import frozen

from ..dataset.repetition import repeat_key, repeated_phrases, tokens
from .distances import ks_distance, total_variation, weighted_jaccard_distance
from .language import Language
from .metrics import NUMERIC_FEATURES, ReplyFeatures, measure


__all__ = [
    "COMPONENTS",
    "SignaturePhrases",
    "StyleComparison",
    "compare_styles",
    "style_figures",
]

COMPONENTS: Final = (*NUMERIC_FEATURES, "laughter", "language", "signature_phrases")
"""The parts of ``style_distance``, in the order they are reported."""


@frozen(kw_only=True)
class SignaturePhrases:
    """
    The phrases that make the person's replies theirs.

    Args:
        phrases: Phrases inside replies (lower-cased words, space-separated).
        messages: Whole short messages, by `persona_clone.dataset.repetition.repeat_key`.
    """

    phrases: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, replies: Iterable[str], *, others: Iterable[str], top: int = 10
    ) -> SignaturePhrases:
        """
        Find the person's signature phrases in their *replies*, against the *others*' texts.

        Example:
            >>> person = ["lol", "lol ok", "yine mi lol", "naber", "LOL", "lol!"]
            >>> SignaturePhrases.of(person, others=["hi", "ok", "naber?"], top=3)
            SignaturePhrases(phrases=('lol',), messages=('lol',))

        """
        found = repeated_phrases(replies, others=others, top=top)
        return cls(
            phrases=tuple(stat.phrase for stat in found if not stat.whole_message),
            messages=tuple(stat.phrase for stat in found if stat.whole_message),
        )

    def __bool__(self) -> bool:
        return bool(self.phrases or self.messages)

    def used_in(self, reply: str) -> bool:
        """Whether *reply* uses at least one of the phrases."""
        padded = f" {' '.join(tokens(reply))} "
        return any(f" {phrase} " in padded for phrase in self.phrases) or (
            bool(self.messages) and repeat_key(reply) in self.messages
        )

    def usage(self, replies: Sequence[str]) -> dict[str, float]:
        """Return, for each phrase, the share of *replies* that use it."""
        if not replies:
            return dict.fromkeys((*self.phrases, *self.messages), 0.0)
        padded = [f" {' '.join(tokens(reply))} " for reply in replies]
        keys = Counter(repeat_key(reply) for reply in replies)
        shares = {
            phrase: sum(f" {phrase} " in text for text in padded) / len(replies)
            for phrase in self.phrases
        }
        for message in self.messages:
            shares[f"[{message}]"] = keys[message] / len(replies)
        return shares


def style_figures(
    features: Sequence[ReplyFeatures], signature: SignaturePhrases, replies: Sequence[str]
) -> dict[str, float]:
    """
    Return the figures of one set of replies: means and shares, by name.

    Args:
        features: Each reply's features (`measure`).
        signature: The person's signature phrases.
        replies: The replies themselves (for the signature phrases).
    """
    figures = {
        name: fmean(float(getattr(f, name)) for f in features) if features else 0.0
        for name in NUMERIC_FEATURES
    }
    total = len(features) or 1
    figures["laughter"] = sum(f.laughs for f in features) / total
    languages = Counter(f.language for f in features)
    for language in (Language.TURKISH, Language.ENGLISH, Language.MIXED):
        figures[language.value] = languages[language] / total
    if signature:
        figures["signature_phrases"] = sum(map(signature.used_in, replies)) / total
    return figures


@frozen(kw_only=True)
class StyleComparison:
    """
    How far one set of replies is from the person's.

    Args:
        components: Each component's distance (0-1), by name (`COMPONENTS`).
        distance: ``style_distance``: the mean of the components (0-1).
    """

    components: Mapping[str, float]
    distance: float


def compare_styles(
    person: Sequence[str],
    clone: Sequence[str],
    *,
    signature: SignaturePhrases | None = None,
) -> StyleComparison:
    """
    Compare the *clone*'s replies with the *person*'s, feature by feature.

    Args:
        person: The person's real replies.
        clone: The clone's replies (to the same or similar conversations).
        signature: The person's signature phrases (none: that component is left out).

    Example:
        >>> same = compare_styles(["haha ok", "geliyorum"], ["geliyorum", "haha ok"])
        >>> same.distance
        0.0
        >>> far = compare_styles(["haha ok", "lol"], ["I would be delighted to help."])
        >>> round(far.distance, 2), far.components["words"]
        (0.75, 1.0)

    """
    ours = [measure(text) for text in person]
    theirs = [measure(text) for text in clone]
    components: dict[str, float] = {
        name: ks_distance(
            [float(getattr(f, name)) for f in ours], [float(getattr(f, name)) for f in theirs]
        )
        for name in NUMERIC_FEATURES
    }
    components["laughter"] = _share_gap([f.laughs for f in ours], [f.laughs for f in theirs])
    components["language"] = total_variation(
        Counter(f.language for f in ours), Counter(f.language for f in theirs)
    )
    if signature:
        components["signature_phrases"] = weighted_jaccard_distance(
            signature.usage(person), signature.usage(clone)
        )
    return StyleComparison(components=components, distance=fmean(components.values()))


def _share_gap(first: Sequence[bool], second: Sequence[bool]) -> float:
    if not first or not second:
        return 0.0 if not first and not second else 1.0
    return abs(sum(first) / len(first) - sum(second) / len(second))
