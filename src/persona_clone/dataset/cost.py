"""
What a fine-tuning job will cost.

The service's default-epochs rule and a price table that carries the date it
was checked.

Prices change; the table below is a dated snapshot. Pass your own `PriceTable`
(for example loaded from a JSON file with `PriceTable.load`) when it is stale.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from attrs import field, frozen

from ..errors import ConfigError, excerpt
from .tokens import base_model


__all__ = [
    "DEFAULT_PRICES",
    "CostEstimate",
    "PriceTable",
    "default_epochs",
    "estimate_cost",
]


def _frozen_prices(value: Mapping[str, float]) -> Mapping[str, float]:
    return dict(value)


@frozen(kw_only=True)
class PriceTable:
    """
    Training prices in US dollars per million trained tokens, by model.

    Args:
        checked: When the prices were checked against the source.
        per_million: Price per million training tokens; keys match a model name
            by longest prefix (``gpt-4o-mini`` covers its snapshots).
        source: Where the prices come from.
    """

    checked: dt.date
    per_million: Mapping[str, float] = field(converter=_frozen_prices)
    source: str = ""

    def price(self, model: str) -> float | None:
        """Return the price per million training tokens of *model*, if known."""
        name = base_model(model)
        best = max(
            (key for key in self.per_million if name.startswith(key)),
            key=len,
            default=None,
        )
        return None if best is None else self.per_million[best]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PriceTable:
        """
        Read a table from a JSON file.

        The file holds ``{"checked": "YYYY-MM-DD", "per_million": {"model": 3.0, ...},
        "source": "..."}``.

        Raises:
            ConfigError: the file is missing, is not JSON, or a key is wrong;
                the message names the key.
        """
        where = str(path)
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(f"{where}: expected a JSON price table ({error})") from error
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a JSON object, found {excerpt(str(data))}")
        try:
            checked = dt.date.fromisoformat(str(data["checked"]))
        except (KeyError, ValueError) as error:
            raise ConfigError(f"{where}: expected 'checked' as YYYY-MM-DD") from error
        prices = data.get("per_million")
        if not isinstance(prices, dict) or not all(
            isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
            for value in prices.values()
        ):
            raise ConfigError(
                f"{where}: expected 'per_million' as an object of non-negative numbers"
            )
        return cls(
            checked=checked,
            per_million={str(k): float(v) for k, v in prices.items()},
            source=str(data.get("source", where)),
        )


DEFAULT_PRICES: Final = PriceTable(
    # OpenAI's fine-tuning guide (a late-2024 copy), as recorded in
    # docs/openai-finetuning-contract.md §4.4: 100,000 tokens x 3 epochs cost about
    # $0.90 on gpt-4o-mini-2024-07-18 and about $2.40 on gpt-3.5-turbo-0125.
    checked=dt.date(2024, 12, 1),
    per_million={
        "gpt-4o-mini": 3.0,
        "gpt-3.5-turbo-0125": 8.0,
        "gpt-3.5-turbo": 8.0,
    },
    source="OpenAI fine-tuning guide, late-2024 copy (day of month unknown)",
)
"""The built-in price snapshot; ``DEFAULT_PRICES.checked`` says how old it is."""

_MIN_TARGET: Final = 100
_MAX_TARGET: Final = 25_000
_MAX_EPOCHS: Final = 25
_DEFAULT_EPOCHS: Final = 3


def default_epochs(examples: int) -> int:
    """
    Return the epochs the service picks when ``n_epochs`` is ``"auto"``.

    Starting from 3: when *examples* x 3 < 100 it uses min(25, 100 // examples);
    when *examples* x 3 > 25,000 it uses max(1, 25,000 // examples).

    Example:
        >>> [default_epochs(n) for n in (1, 5, 10, 20, 30, 8_334, 20_000)]
        [25, 20, 10, 5, 3, 2, 1]

    """
    if examples <= 0:
        return _MAX_EPOCHS
    epochs = _DEFAULT_EPOCHS
    if examples * epochs < _MIN_TARGET:
        return min(_MAX_EPOCHS, _MIN_TARGET // examples)
    if examples * epochs > _MAX_TARGET:
        return max(1, _MAX_TARGET // examples)
    return epochs


@frozen(kw_only=True)
class CostEstimate:
    """
    What a training job would cost.

    Args:
        model: The model the estimate is for.
        epochs: Epochs trained (the service's default when none was given).
        billed_tokens: Tokens charged: epochs x the billable tokens of one epoch.
        usd: Estimated price in US dollars; ``None`` when the model has no price
            in the table.
        prices_checked: When the price table was checked.
    """

    model: str
    epochs: int
    billed_tokens: int
    usd: float | None
    prices_checked: dt.date


def estimate_cost(
    *,
    model: str,
    billed_tokens_per_epoch: int,
    examples: int,
    epochs: int | None = None,
    prices: PriceTable = DEFAULT_PRICES,
) -> CostEstimate:
    """
    Estimate the cost of training *model* on a dataset.

    Args:
        model: The base model (or a fine-tuned ``ft:...`` model to continue).
        billed_tokens_per_epoch: The dataset's billable tokens (per example
            capped at the model's limit), as `persona_clone.dataset.validate_file`
            reports them.
        examples: Training examples, for the default-epochs rule.
        epochs: Epochs asked for; default `default_epochs` (*examples*).
        prices: The price table (default `DEFAULT_PRICES`).

    Example:
        >>> estimate_cost(model="gpt-4o-mini-2024-07-18",
        ...               billed_tokens_per_epoch=100_000, examples=100).usd
        0.9

    """
    chosen = default_epochs(examples) if epochs is None else epochs
    billed = chosen * billed_tokens_per_epoch
    price = prices.price(model)
    usd = None if price is None else round(price * billed / 1_000_000, 6)
    return CostEstimate(
        model=model,
        epochs=chosen,
        billed_tokens=billed,
        usd=usd,
        prices_checked=prices.checked,
    )
