"""
`LoopGuard`: notices when the clone's replies repeat themselves.

Fine-tuned clones fall into loops: once a reply such as "lol" is in the
conversation a few times, it primes the model to say it again. The guard
checks each candidate reply against the persona's recent replies; what to do
about a repetition is its `LoopPolicy`, carried out by
`persona_clone.Responder`.
"""

from __future__ import annotations

import collections
import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

from attrs import define, field, frozen

from ..dataset.repetition import repeat_words
from ..errors import ConfigError


__all__ = ["Intervention", "LoopGuard", "LoopPolicy", "Repetition", "RepetitionKind"]

logger = logging.getLogger(__name__)

_MAX_PENALTY = 2.0  # the API's upper bound for both penalties


class LoopPolicy(enum.Enum):
    """What the responder does when the clone repeats itself."""

    REGENERATE = "regenerate"
    """Ask again with higher frequency and presence penalties (a few attempts)."""
    DROP = "drop"
    """Remove the repeated replies from the conversation, then ask once more."""
    SILENT = "silent"
    """Send nothing this time."""
    OFF = "off"
    """
    Send the reply anyway and only record what was found (``persona-clone evaluate``
    measures the raw model this way).
    """


class RepetitionKind(enum.Enum):
    """How a reply repeats itself."""

    REPEATED_WORD = "repeated-word"
    """The reply is one word (or a pair of words) over and over: "lol lol lol lol"."""
    NEAR_DUPLICATE = "near-duplicate"
    """The reply is (nearly) the same as several recent replies."""
    REPEATED_PHRASE = "repeated-phrase"
    """The reply shares a phrase of several words with several recent replies."""


@frozen(kw_only=True)
class Repetition:
    """
    A repetition found in a candidate reply.

    Args:
        kind: How the reply repeats itself.
        count: How many replies (the candidate included) repeat, or how often the
            word repeats within the reply.
        matches: Indexes, into the history given to `LoopGuard.check`, of the
            earlier replies that the candidate repeats.
    """

    kind: RepetitionKind
    count: int
    matches: tuple[int, ...] = ()

    def describe(self) -> str:
        """Say why, without quoting the replies (privacy)."""
        if self.kind is RepetitionKind.REPEATED_WORD:
            return f"one word repeated {self.count} times in the reply"
        what = (
            "near-identical replies"
            if self.kind is RepetitionKind.NEAR_DUPLICATE
            else "replies sharing one phrase"
        )
        return f"{self.count} {what} among the recent replies"


@frozen(kw_only=True)
class Intervention:
    """
    One time the guard stepped in, for logs and tests.

    Args:
        chat: The chat it happened in.
        at: When it happened.
        policy: The policy that acted.
        repetition: What was found.
        action: What was done, in words (``"regenerated"``, ``"dropped 2
            replies"``, ``"stayed silent"``).
        attempt: Which attempt at a reply this was (1 for the first).
    """

    chat: str
    at: dt.datetime
    policy: LoopPolicy
    repetition: Repetition
    action: str
    attempt: int = 1


def _positive(_instance: object, _attribute: object, value: float) -> None:
    if value <= 0:
        msg = f"expected a positive value, found {value}"
        raise ConfigError(msg)


def normalize(text: str) -> str:
    """
    Return the words of *text* as the dataset counts repeats, one space apart.

    Case (the Turkish way), punctuation, repeated letters and laughs do not
    matter (`persona_clone.dataset.repeat_words`).
    """
    return " ".join(repeat_words(text))


@define(kw_only=True)
class LoopGuard:
    """
    Detects repetition in the clone's replies and records every intervention.

    A candidate reply counts as a loop when:

    - it is one word, or a pair of words, repeated: at least *min_repeated_words*
      words in a row (``"lol lol lol lol"``, ``"ok lol ok lol ok lol"``);
    - it and at least *repeats* - 1 of the last *window* replies are
      near-identical (similarity at least *similarity* after normalising case,
      accents and punctuation);
    - it shares a phrase of *phrase_words* words with at least *repeats* - 1 of
      the last *window* replies.

    Args:
        policy: What to do about a loop.
        window: How many recent replies to compare with.
        repeats: How many repeating replies (the candidate included) make a loop.
        similarity: Ratio (0-1) from which two replies are near-identical.
        phrase_words: Length of the phrases compared.
        min_repeated_words: Fewest repeated words that make a one-word loop.
        max_attempts: Most attempts at a reply under `LoopPolicy.REGENERATE`.
        penalty_step: How much each new attempt raises the frequency and
            presence penalties (capped at 2.0).
        on_intervention: Called with every `Intervention` (besides the log).

    Example:
        >>> from persona_clone import LoopGuard
        >>> guard = LoopGuard()
        >>> guard.check("lol lol lol lol", history=[]).kind.value
        'repeated-word'
        >>> guard.check("lol", history=["lol", "hm", "LOL!"]).count
        3
        >>> guard.check("see you tomorrow", history=["lol", "hm"]) is None
        True

    .. versionadded:: 0.1.0
    """

    policy: LoopPolicy = LoopPolicy.REGENERATE
    window: int = field(default=6, validator=_positive)
    repeats: int = field(default=3, validator=_positive)
    similarity: float = field(default=0.9, validator=_positive)
    phrase_words: int = field(default=3, validator=_positive)
    min_repeated_words: int = field(default=4, validator=_positive)
    max_attempts: int = field(default=3, validator=_positive)
    penalty_step: float = field(default=0.6, validator=_positive)
    on_intervention: Callable[[Intervention], None] | None = None
    interventions: list[Intervention] = field(factory=list, init=False)

    def check(self, candidate: str, history: Sequence[str]) -> Repetition | None:
        """
        Return how *candidate* repeats itself or the recent *history*, or ``None``.

        Args:
            candidate: The reply the model just proposed.
            history: The persona's earlier replies, oldest first.
        """
        words = normalize(candidate).split()
        repeated = _repeated_unit(words, self.min_repeated_words)
        if repeated:
            return Repetition(kind=RepetitionKind.REPEATED_WORD, count=repeated)
        start = max(len(history) - self.window, 0)
        recent = [(index, normalize(history[index])) for index in range(start, len(history))]
        text = " ".join(words)
        if not text:
            return None
        similar = tuple(
            index
            for index, earlier in recent
            if earlier and SequenceMatcher(None, text, earlier).ratio() >= self.similarity
        )
        if len(similar) + 1 >= self.repeats:
            return Repetition(
                kind=RepetitionKind.NEAR_DUPLICATE,
                count=len(similar) + 1,
                matches=similar,
            )
        return self._phrase(words, recent)

    def penalties(self, attempt: int) -> dict[str, float]:
        """Return the frequency and presence penalties for *attempt* (from 1)."""
        raised = min((attempt - 1) * self.penalty_step, _MAX_PENALTY)
        if raised <= 0:
            return {}
        return {"frequency_penalty": raised, "presence_penalty": raised}

    def record(self, intervention: Intervention) -> None:
        """Keep, log and announce *intervention*."""
        self.interventions.append(intervention)
        logger.log(
            logging.INFO if intervention.policy is LoopPolicy.OFF else logging.WARNING,
            "loop guard in chat %r (%s): %s; %s (attempt %d)",
            intervention.chat,
            intervention.policy.value,
            intervention.repetition.describe(),
            intervention.action,
            intervention.attempt,
        )
        if self.on_intervention is not None:
            self.on_intervention(intervention)

    def _phrase(self, words: list[str], recent: list[tuple[int, str]]) -> Repetition | None:
        size = self.phrase_words
        phrases = {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}
        if not phrases:
            return None
        counts: collections.Counter[tuple[str, ...]] = collections.Counter()
        holders: dict[tuple[str, ...], list[int]] = collections.defaultdict(list)
        for index, earlier in recent:
            split = earlier.split()
            theirs = {tuple(split[i : i + size]) for i in range(len(split) - size + 1)}
            for phrase in phrases & theirs:
                counts[phrase] += 1
                holders[phrase].append(index)
        if not counts:
            return None
        phrase, count = counts.most_common(1)[0]
        if count + 1 < self.repeats:
            return None
        return Repetition(
            kind=RepetitionKind.REPEATED_PHRASE,
            count=count + 1,
            matches=tuple(holders[phrase]),
        )


def _repeated_unit(words: list[str], minimum: int) -> int:
    """Return how many words repeat a unit of one or two words, or 0."""
    if len(words) < minimum:
        return 0
    for period in (1, 2):
        unit = words[:period]
        if len(words) >= max(minimum, 3 * period) and all(
            word == unit[i % period] for i, word in enumerate(words)
        ):
            return len(words)
    return 0
