"""Tests for persona_clone.dataset.example (Example, Slicer)."""

from __future__ import annotations

import pytest

from dataset_support import chat
from persona_clone import Merger
from persona_clone._fast import slot as fast_slot
from persona_clone.dataset import Example, Slicer, Slot, WeightPolicy


def slots(*lines: tuple[str, str], cost: int = 10, persona: str = "Deniz") -> list[Slot]:
    found = tuple(Merger().merge(chat(*lines)))
    return [
        Slot(turn=t, persona=t.author is not None and t.author.name == persona, cost=cost)
        for t in found
    ]


def texts(example: Example) -> list[str]:
    return [t.text for t in example.turns]


class TestSlicer:
    def test_one_example_per_session_when_it_fits(self) -> None:
        """A session under the budget is one example training every persona turn."""
        session = slots(("Ayşe", "a"), ("Deniz", "b"), ("Mert", "c"), ("Deniz", "d"), ("Mert", "e"))

        examples = list(Slicer(budget=1_000)(session, session="s"))

        assert [["a", "b", "c", "d"]] == [texts(e) for e in examples]
        assert (False, True, False, True) == examples[0].trained

    def test_long_sessions_split_under_the_budget(self) -> None:
        """Every example stays under the budget; every persona turn is trained once."""
        session = slots(*[("Ayşe" if i % 2 == 0 else "Deniz", str(i)) for i in range(12)])

        examples = list(Slicer(budget=45, overhead=5, overlap=1)(session, session="s"))

        assert all(e.tokens <= 45 for e in examples)
        trained = [t.text for e in examples for t, f in zip(e.turns, e.trained, strict=True) if f]
        assert [str(i) for i in range(1, 12, 2)] == trained

    def test_overlap_repeats_context_untrained(self) -> None:
        """A new example may repeat the previous one's last turns, untrained."""
        session = slots(("Ayşe", "a"), ("Deniz", "b"), ("Mert", "c"), ("Deniz", "d"))

        examples = list(Slicer(budget=30, overlap=1)(session, session="s"))

        assert [["a", "b"], ["b", "c", "d"]] == [texts(e) for e in examples]
        assert (False, False, True) == examples[1].trained

    def test_max_entries_caps_the_context(self) -> None:
        """No example holds more turns than max_entries; old context goes first."""
        session = slots(*[(("Ayşe", "Mert")[i % 2], f"x{i}") for i in range(5)], ("Deniz", "y"))

        examples = list(Slicer(budget=1_000, max_entries=3)(session, session="s"))

        assert [["x3", "x4", "y"]] == [texts(e) for e in examples]

    def test_a_turn_over_budget_alone_is_skipped_and_reported(self) -> None:
        """A persona turn that cannot fit any example is reported, not cut."""
        session = slots(("Ayşe", "a"), ("Deniz", "b"), ("Deniz2", "c"))
        session[1] = Slot(turn=session[1].turn, persona=True, cost=500)
        skipped: list[Slot] = []

        examples = list(Slicer(budget=100)(session, session="s", on_skip=skipped.append))

        assert [] == examples
        assert ["b"] == [s.turn.text for s in skipped]

    def test_last_policy_trains_only_the_last_turn(self) -> None:
        """Under LAST only the example's last persona turn is trained."""
        session = slots(("Deniz", "a"), ("Ayşe", "b"), ("Deniz", "c"))

        examples = list(Slicer(budget=1_000, policy=WeightPolicy.LAST)(session, session="s"))

        assert [(False, False, True)] == [e.trained for e in examples]

    def test_quoted_turns_are_context_only(self) -> None:
        """A turn brought in as the message a reply answers is never trained."""
        session = slots(("Deniz", "old question"), ("Ayşe", "answer"), ("Deniz", "thanks"))
        session[0] = Slot(turn=session[0].turn, persona=True, quoted=True, cost=10)

        examples = list(Slicer(budget=1_000)(session, session="s"))

        assert [(False, False, True)] == [e.trained for e in examples]

    def test_invalid_settings(self) -> None:
        """max_entries below 1 and negative overlap are refused."""
        with pytest.raises(ValueError, match="max_entries"):
            Slicer(budget=1, max_entries=0)
        with pytest.raises(ValueError, match="overlap"):
            Slicer(budget=1, overlap=-1)


class TestExample:
    def test_only_persona_turns_can_be_trained(self) -> None:
        """An example that trains someone else's turn is refused."""
        turn = slots(("Ayşe", "a"))[0].turn
        with pytest.raises(ValueError, match="persona"):
            Example(
                session="s",
                turns=(turn,),
                persona=(False,),
                trained=(True,),
                quoted=(False,),
            )


class TestFastSlot:
    """The pipeline's cheap slot constructor."""

    @pytest.mark.parametrize("quoted", [False, True])
    def test_equals_the_slot_init_builds(self, quoted: bool) -> None:
        """Same fields, equality and hash as ``Slot(...)``, and still frozen."""
        turn = next(Merger().merge(chat(("Ada", "selam"))))

        fast = fast_slot(turn, persona=True, quoted=quoted, cost=7)

        assert Slot(turn=turn, persona=True, quoted=quoted, cost=7) == fast
        assert hash(Slot(turn=turn, persona=True, quoted=quoted, cost=7)) == hash(fast)
        with pytest.raises(AttributeError):
            fast.cost = 1  # type: ignore[misc]
