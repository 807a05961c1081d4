"""Tests for persona_clone.dataset.tokens."""

from __future__ import annotations

from persona_clone.dataset.tokens import (
    EstimatingCounter,
    TiktokenCounter,
    TokenCounter,
    base_model,
    chat_tokens,
    counter_for,
    encoding_for,
    training_limit,
)


class FakeEncoding:
    name = "fake"

    def encode(self, text: str, disallowed_special: tuple[str, ...] = ()) -> list[int]:
        return [0] * len(text.split())


class TestCounters:
    def test_estimate_is_four_bytes_per_token_rounded_up(self) -> None:
        """The estimate counts UTF-8 bytes, so Turkish letters cost more than ASCII."""
        counter = EstimatingCounter()

        assert (0, 1, 2, 2) == (
            counter.count(""),
            counter.count("abcd"),
            counter.count("abcde"),
            counter.count("ışığ"),
        )
        assert not counter.exact

    def test_tiktoken_counter_counts_with_its_encoding(self) -> None:
        """The exact counter delegates to the encoding and says it is exact."""
        counter = TiktokenCounter(encoding=FakeEncoding())

        assert 3 == counter.count("bir iki üç")
        assert counter.exact
        assert isinstance(counter, TokenCounter)

    def test_unknown_model_gets_an_estimate(self) -> None:
        """A model without a known encoding falls back to the labelled estimate."""
        assert not counter_for("some-local-llama").exact


class TestModels:
    def test_limits_match_by_longest_prefix(self) -> None:
        """Snapshots, aliases and fine-tuned names find their base model's limit."""
        assert (65_536, 4_096, 16_385, 16_384, None) == (
            training_limit("gpt-4o-mini"),
            training_limit("gpt-3.5-turbo-0613"),
            training_limit("ft:gpt-3.5-turbo-0125:org:x:abc"),
            training_limit("davinci-002"),
            training_limit("llama-3"),
        )

    def test_base_model_of_a_fine_tuned_model(self) -> None:
        """A fine-tuned model's base is the second field of its name."""
        assert "gpt-4o-mini-2024-07-18" == base_model("ft:gpt-4o-mini-2024-07-18:org::id")

    def test_encodings(self) -> None:
        """The gpt-4o family uses o200k_base, older models cl100k_base."""
        assert ("o200k_base", "cl100k_base", None) == (
            encoding_for("gpt-4o-mini-2024-07-18"),
            encoding_for("gpt-3.5-turbo"),
            encoding_for("mistral"),
        )


class TestChatTokens:
    def test_cookbook_formula(self) -> None:
        """3 per example, 3 per message, role/content/name values, 1 more per name."""
        counter = TiktokenCounter(encoding=FakeEncoding())
        messages: list[dict[str, object]] = [
            {"role": "user", "name": "Ayse", "content": "selam nasılsın"},
            {"role": "assistant", "content": "iyi", "weight": 0},
        ]

        assert 3 + (3 + 1 + 2 + 1 + 1) + (3 + 1 + 1) == chat_tokens(messages, counter)
