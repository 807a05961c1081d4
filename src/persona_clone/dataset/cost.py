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
    "ModelPrice",
    "PriceTable",
    "default_epochs",
    "estimate_cost",
]


def _frozen_prices(value: Mapping[str, float]) -> Mapping[str, float]:
    return dict(value)


@frozen(kw_only=True)
class ModelPrice:
    """
    One model's training price, with where it was published and when.

    Args:
        per_million: US dollars per million trained tokens.
        source: Where the price was published.
        published: The date of that source.
    """

    per_million: float
    source: str
    published: dt.date


def _frozen_details(value: Mapping[str, ModelPrice]) -> Mapping[str, ModelPrice]:
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
        details: Each price's own source and date, by the same keys (optional).
    """

    checked: dt.date
    per_million: Mapping[str, float] = field(converter=_frozen_prices)
    source: str = ""
    details: Mapping[str, ModelPrice] = field(factory=dict, converter=_frozen_details)

    @classmethod
    def of(cls, *, checked: dt.date, prices: Mapping[str, ModelPrice]) -> PriceTable:
        """Build a table from *prices*, each with its own source and date."""
        sources = sorted({price.source for price in prices.values()})
        return cls(
            checked=checked,
            per_million={model: price.per_million for model, price in prices.items()},
            source="; ".join(sources),
            details=prices,
        )

    def _key(self, model: str) -> str | None:
        name = base_model(model)
        return max(
            (key for key in self.per_million if name.startswith(key)),
            key=len,
            default=None,
        )

    def price(self, model: str) -> float | None:
        """Return the price per million training tokens of *model*, if known."""
        key = self._key(model)
        return None if key is None else self.per_million[key]

    def detail(self, model: str) -> ModelPrice | None:
        """Return *model*'s price with its source and date, if the table has them."""
        key = self._key(model)
        return None if key is None else self.details.get(key)

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


_OPENAI_PRICING = "OpenAI API pricing page, fine-tuning table (openai.com/api/pricing)"
_GPT4O_LAUNCH = (
    "OpenAI, 'Fine-tuning now available for GPT-4o' (openai.com/index/gpt-4o-fine-tuning)"
)
_GPT35_LAUNCH = (
    "OpenAI, 'GPT-3.5 Turbo fine-tuning and API updates' "
    "(openai.com/blog/gpt-3-5-turbo-fine-tuning-and-api-updates)"
)
_GUIDE = "OpenAI fine-tuning guide, late-2024 copy: 100,000 tokens x 3 epochs cost about"

DEFAULT_PRICES: Final = PriceTable.of(
    # Every base model the fine-tuning API still trains with the supervised method
    # (persona_clone.testing.fake_openai.BASE_MODELS lists the same ones). Reinforcement
    # fine-tuning (o4-mini) is billed per hour of training, not per token: not here.
    # The GPT-4.1 prices are those OpenAI published with the family (14 April 2025);
    # docs/finetuning.md's example (95,310 tokens x 3 epochs = $1.43) is checked against them.
    checked=dt.date(2026, 12, 7),
    prices={
        "gpt-4.1-nano": ModelPrice(
            per_million=1.5, source=_OPENAI_PRICING, published=dt.date(2025, 4, 14)
        ),
        "gpt-4.1-mini": ModelPrice(
            per_million=5.0, source=_OPENAI_PRICING, published=dt.date(2025, 4, 14)
        ),
        "gpt-4.1": ModelPrice(
            per_million=25.0, source=_OPENAI_PRICING, published=dt.date(2025, 4, 14)
        ),
        "gpt-4o-mini": ModelPrice(
            per_million=3.0,
            source=f"{_GUIDE} $0.90 on gpt-4o-mini-2024-07-18",
            published=dt.date(2024, 12, 1),
        ),
        "gpt-4o": ModelPrice(
            per_million=25.0, source=_GPT4O_LAUNCH, published=dt.date(2024, 8, 20)
        ),
        "gpt-3.5-turbo": ModelPrice(
            per_million=8.0,
            source=f"{_GUIDE} $2.40 on gpt-3.5-turbo-0125",
            published=dt.date(2024, 12, 1),
        ),
        "davinci-002": ModelPrice(
            per_million=6.0, source=_GPT35_LAUNCH, published=dt.date(2023, 8, 22)
        ),
        "babbage-002": ModelPrice(
            per_million=0.4, source=_GPT35_LAUNCH, published=dt.date(2023, 8, 22)
        ),
    },
)
"""
The built-in price snapshot: ``DEFAULT_PRICES.checked`` says when it was compiled,
``DEFAULT_PRICES.detail(model)`` where each price was published and when.
"""

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
