"""Tests for persona_clone.dataset.cost."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from persona_clone.dataset.cost import DEFAULT_PRICES, PriceTable, default_epochs, estimate_cost
from persona_clone.errors import ConfigError
from persona_clone.testing.fake_openai import BASE_MODELS


class TestDefaultEpochs:
    @pytest.mark.parametrize(
        ("examples", "epochs"),
        [
            (1, 25),
            (4, 25),
            (5, 20),
            (10, 10),
            (20, 5),
            (30, 3),
            (8_333, 3),
            (8_334, 2),
            (12_500, 2),
            (12_501, 1),
        ],
    )
    def test_the_services_auto_rule(self, examples: int, epochs: int) -> None:
        """The epochs match the contract's worked values."""
        assert epochs == default_epochs(examples)


class TestEstimateCost:
    def test_guide_figure(self) -> None:
        """100,000 tokens x 3 epochs on gpt-4o-mini cost about $0.90."""
        estimate = estimate_cost(
            model="gpt-4o-mini-2024-07-18",
            billed_tokens_per_epoch=100_000,
            examples=1_000,
        )

        assert (3, 300_000, 0.9, DEFAULT_PRICES.checked) == (
            estimate.epochs,
            estimate.billed_tokens,
            estimate.usd,
            estimate.prices_checked,
        )

    def test_explicit_epochs_and_unknown_price(self) -> None:
        """Given epochs are used; a model without a price costs None."""
        estimate = estimate_cost(model="llama-3", billed_tokens_per_epoch=10, examples=10, epochs=2)

        assert (2, 20, None) == (estimate.epochs, estimate.billed_tokens, estimate.usd)


class TestDefaultPrices:
    @pytest.mark.parametrize("model", sorted(BASE_MODELS))
    def test_every_fine_tunable_model_has_a_dated_sourced_price(self, model: str) -> None:
        """Each base model the service still fine-tunes has a price, a source and a date."""
        detail = DEFAULT_PRICES.detail(model)

        assert detail is not None
        assert (
            detail.per_million
            == DEFAULT_PRICES.price(model)
            == DEFAULT_PRICES.price(f"ft:{BASE_MODELS[model]}:org:ada:abc123")
        )
        assert detail.source
        assert dt.date(2023, 1, 1) <= detail.published <= DEFAULT_PRICES.checked

    def test_gpt_41_mini_is_the_docs_figure(self) -> None:
        """95,310 tokens x 3 epochs on gpt-4.1-mini cost $1.43, as docs/finetuning.md shows."""
        estimate = estimate_cost(
            model="gpt-4.1-mini-2025-04-14", billed_tokens_per_epoch=95_310, examples=812
        )

        assert (3, 1.43) == (estimate.epochs, round(estimate.usd or 0, 2))

    def test_mini_is_not_priced_as_its_larger_sibling(self) -> None:
        """The longest matching name wins: gpt-4o-mini is not priced as gpt-4o."""
        assert (3.0, 25.0) == (
            DEFAULT_PRICES.price("gpt-4o-mini-2024-07-18"),
            DEFAULT_PRICES.price("gpt-4o-2024-08-06"),
        )


class TestPriceTable:
    def test_load(self, tmp_path: Path) -> None:
        """A JSON table loads with its date and prices."""
        path = tmp_path / "prices.json"
        path.write_text(json.dumps({"checked": "2026-11-01", "per_million": {"gpt-4o-mini": 5}}))

        table = PriceTable.load(path)

        assert (dt.date(2026, 11, 1), 5.0) == (
            table.checked,
            table.price("gpt-4o-mini-2024-07-18"),
        )

    def test_bad_table_names_the_key(self, tmp_path: Path) -> None:
        """A table without a valid date is refused with the key named."""
        path = tmp_path / "prices.json"
        path.write_text(json.dumps({"per_million": {}}))

        with pytest.raises(ConfigError, match="'checked'"):
            PriceTable.load(path)
