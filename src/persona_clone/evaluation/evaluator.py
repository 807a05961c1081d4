"""
`Evaluator`: reply fidelity and fixation of a clone, beside the person, in one run.

It plans the requests (`plan`), asks the model at every place the person
answered (`persona_clone.evaluation.fidelity`), replays conversations
(`persona_clone.evaluation.fixation`) and compares everything with the
person's real replies (`persona_clone.evaluation.style`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from attrs import evolve, field, frozen

from ..dataset.tokens import EstimatingCounter, TokenCounter, chat_tokens
from .conversations import HeldOutConversation
from .fidelity import ReplyPair, Target, fidelity_replies, targets
from .fixation import FixationSummary, person_replays, replay, starts, summarize
from .metrics import measure
from .plan import RequestPlan, plan_requests
from .report import CLONE, OTHER, PERSON, Evaluation
from .style import SignaturePhrases, compare_styles, style_figures


if TYPE_CHECKING:  # the clone's module loads the openai SDK; a run is handed one
    from .clone import CloneModel


__all__ = ["Evaluator", "Progress"]

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``, called after every request."""


@frozen(kw_only=True)
class Evaluator:
    """
    Evaluates clones on held-out *conversations*.

    Args:
        conversations: The held-out conversations (`read_conversations`).
        replays: Conversations to replay for fixation.
        rounds: Replies per replayed conversation.
        max_requests: The most requests in all (``None``: no bound).
        counter: Counts prompt tokens for the plan.
        max_entries: Most entries of conversation the model sees (as in serving).

    Example:
        >>> from persona_clone.evaluation import Entry, HeldOutConversation
        >>> talk = HeldOutConversation(entries=[Entry(speaker="Bob", text="naber"),
        ...                                     Entry(speaker=None, text="iyi haha")])
        >>> Evaluator(conversations=[talk], replays=2, rounds=3).plan().requests
        7

    """

    conversations: Sequence[HeldOutConversation]
    replays: int = 5
    rounds: int = 10
    max_requests: int | None = None
    counter: TokenCounter = field(factory=EstimatingCounter)
    max_entries: int = 20

    def targets(self) -> list[Target]:
        """Every place where the person answered someone."""
        return list(targets(self.conversations))

    def plan(self, *, models: int = 1, max_reply_tokens: int = 256) -> RequestPlan:
        """Plan the requests for *models* models."""
        tokens = [self._context_tokens(target) for target in self.targets()]
        return plan_requests(
            tokens,
            conversations=self.replays,
            rounds=self.rounds,
            models=models,
            max_requests=self.max_requests,
            max_reply_tokens=max_reply_tokens,
        )

    def _context_tokens(self, target: Target) -> int:
        messages: list[dict[str, str]] = []
        if target.conversation.system_prompt:
            messages.append({"role": "system", "content": target.conversation.system_prompt})
        for entry in target.context[-self.max_entries :]:
            if entry.persona:
                messages.append({"role": "assistant", "content": entry.text})
            else:
                messages.append(
                    {"role": "user", "name": entry.speaker or "", "content": entry.text}
                )
        return chat_tokens(messages, self.counter)

    async def run(
        self,
        clone: CloneModel,
        *,
        against: CloneModel | None = None,
        plan: RequestPlan | None = None,
        progress: Progress | None = None,
    ) -> Evaluation:
        """
        Evaluate *clone* (and *against*, in a third column) as *plan* says.

        Args:
            clone: The model under evaluation.
            against: A model to compare with (base model, another run).
            plan: The requests to send (default: `plan` for the models given).
            progress: Told after every request.
        """
        models = {CLONE: clone} if against is None else {CLONE: clone, OTHER: against}
        if plan is None:
            plan = self.plan(models=len(models), max_reply_tokens=clone.max_reply_tokens)
        chosen = self.targets()[: plan.replies]
        real = [target.real for target in chosen]
        answers: dict[str, list[ReplyPair]] = {}
        for column, model in models.items():
            answers[column] = await fidelity_replies(
                model, chosen, progress=_told(progress, f"{column} replies", len(chosen))
            )
        others = [e.text for c in self.conversations for e in c.entries if not e.persona]
        signature = SignaturePhrases.of(real, others=others)
        replies = {PERSON: real} | {c: [p.clone for p in pairs] for c, pairs in answers.items()}
        metrics: dict[str, dict[str, float]] = {}
        for column, texts in replies.items():
            figures = style_figures([measure(t) for t in texts], signature, texts)
            for name, value in figures.items():
                metrics.setdefault(name, {})[column] = value
        components: dict[str, dict[str, float]] = {}
        for column in models:
            compared = compare_styles(real, replies[column], signature=signature)
            for name, value in compared.components.items():
                components.setdefault(name, {})[column] = value
        fixation = await self._fixation(models, plan, progress)
        for column, summary in fixation.items():
            metrics.setdefault("loop_rate", {})[column] = summary.loop_rate
            metrics.setdefault("distinct_1", {})[column] = summary.distinct_1
            metrics.setdefault("distinct_2", {})[column] = summary.distinct_2
        pairs = answers[CLONE]
        if OTHER in answers:
            pairs = [
                evolve(pair, against=other.clone)
                for pair, other in zip(pairs, answers[OTHER], strict=True)
            ]
        clone_parts = [parts[CLONE] for parts in components.values()]
        return Evaluation(
            model=clone.model,
            against=None if against is None else against.model,
            replies=len(pairs),
            style_distance=sum(clone_parts) / len(clone_parts) if clone_parts else 0.0,
            loop_rate=fixation[CLONE].loop_rate,
            metrics=metrics,
            components=components,
            pairs=tuple(pairs),
            fixation=fixation,
            plan=plan,
            signature=(*signature.phrases, *(f"[{m}]" for m in signature.messages)),
        )

    async def _fixation(
        self, models: dict[str, CloneModel], plan: RequestPlan, progress: Progress | None
    ) -> dict[str, FixationSummary]:
        start_at = starts(len(self.conversations), plan.conversations) if self.conversations else []
        clone = models[CLONE]
        summaries = {
            PERSON: summarize(
                person_replays(clone, self.conversations, start_at=start_at, rounds=plan.rounds)
            )
        }
        for column, model in models.items():
            done = _told(progress, f"{column} replay", len(start_at) * plan.rounds)
            played = []
            for index, start in enumerate(start_at):
                played.append(
                    await replay(model, self.conversations, start=start, rounds=plan.rounds)
                )
                if done is not None:
                    done((index + 1) * plan.rounds)
            summaries[column] = summarize(played)
        return summaries


def _told(progress: Progress | None, stage: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None

    def told(done: int) -> None:
        progress(stage, done, total)

    return told
