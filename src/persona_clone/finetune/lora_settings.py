"""
The settings of local LoRA training: the adapter's shape and the optimisation.

Plain values: building them needs neither torch nor transformers.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Any, Final

import attrs
from attrs import field, frozen

from persona_clone.errors import ConfigError
from persona_clone.finetune.lora_data import NameStyle


__all__ = ["LoraSettings", "Precision"]

_DEVICES: Final = frozenset({"auto", "cpu", "cuda", "mps"})


class Precision(enum.Enum):
    """The dtype the base model is loaded in (the LoRA weights train in float32)."""

    AUTO = "auto"
    """bfloat16 on a CUDA GPU that supports it, float32 elsewhere."""
    FLOAT32 = "float32"
    BFLOAT16 = "bfloat16"
    FLOAT16 = "float16"


def _positive(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not value > 0:
        raise ConfigError(f"{attribute.name}: expected a positive number, found {value!r}")


def _fraction(_: object, attribute: attrs.Attribute[Any], value: float) -> None:
    if not 0 <= value < 1:
        raise ConfigError(f"{attribute.name}: expected a number in [0, 1), found {value!r}")


def _device(_: object, attribute: attrs.Attribute[Any], value: str) -> None:
    kind, _, index = value.partition(":")
    if kind not in _DEVICES or (index and not (kind == "cuda" and index.isdigit())):
        raise ConfigError(
            f"{attribute.name}: expected auto, cpu, cuda, cuda:N or mps, found {value!r}"
        )


def _optional_positive(_: object, attribute: attrs.Attribute[Any], value: int | None) -> None:
    if value is not None and not value > 0:
        raise ConfigError(f"{attribute.name}: expected a positive number or None, found {value!r}")


def _names(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _modules(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    if value is None:
        return None
    return (value,) if isinstance(value, str) else tuple(value)


@frozen(kw_only=True)
class LoraSettings:
    """
    How to train: the LoRA adapter's shape and the optimisation.

    Args:
        rank: LoRA rank *r*: the adapter's inner dimension.
        alpha: LoRA scaling *alpha* (the update is scaled by alpha / rank).
        dropout: Dropout on the LoRA path.
        target_modules: Names of the layers to adapt; ``None`` adapts every linear
            layer but the output head (peft's ``all-linear``), which works for any
            architecture.
        epochs: Passes over the training data.
        learning_rate: Peak learning rate (linear warm-up, then linear decay).
        batch_size: Examples per forward pass.
        gradient_accumulation: Forward passes per optimizer step.
        max_length: Tokens kept per example; longer ones are cut (and counted).
        warmup_ratio: Share of the steps spent warming up.
        weight_decay: AdamW weight decay.
        seed: Seeds the LoRA initialisation, dropout and the data order.
        device: ``auto`` (CUDA, then MPS, then CPU), ``cpu``, ``cuda``, ``cuda:N``
            or ``mps``.
        precision: The base model's dtype.
        gradient_checkpointing: Trade compute for memory (long examples, big models).
        load_in_4bit: QLoRA: load the base model quantized to 4 bits with
            bitsandbytes (needs a CUDA GPU and the ``qlora`` extra).
        save_steps: Save a checkpoint every this many optimizer steps; ``None``
            saves one after every epoch.
        save_total_limit: Most checkpoints kept (the oldest go); ``None`` keeps all.
        report_to: Where the trainer also logs (``tensorboard``, ``wandb``, ...
            as ``transformers`` knows them); empty: nowhere else.
        names: How speakers' names reach the model (see `NameStyle`).
        trust_remote_code: Let transformers run code that ships with the model.
    """

    rank: int = field(default=16, validator=_positive)
    alpha: float = field(default=32.0, validator=_positive)
    dropout: float = field(default=0.05, validator=_fraction)
    target_modules: tuple[str, ...] | None = field(default=None, converter=_modules)
    epochs: int = field(default=3, validator=_positive)
    learning_rate: float = field(default=2e-4, validator=_positive)
    batch_size: int = field(default=4, validator=_positive)
    gradient_accumulation: int = field(default=1, validator=_positive)
    max_length: int = field(default=1024, validator=_positive)
    warmup_ratio: float = field(default=0.03, validator=_fraction)
    weight_decay: float = 0.0
    seed: int = 0
    device: str = field(default="auto", validator=_device)
    precision: Precision = Precision.AUTO
    gradient_checkpointing: bool = False
    load_in_4bit: bool = False
    save_steps: int | None = field(default=None, validator=_optional_positive)
    save_total_limit: int | None = field(default=2, validator=_optional_positive)
    report_to: tuple[str, ...] = field(default=(), converter=_names)
    names: NameStyle = NameStyle.TEMPLATE
    trust_remote_code: bool = False

    def to_json(self) -> dict[str, Any]:
        """Return the settings as JSON values (for the metadata file)."""
        values = attrs.asdict(self, recurse=False)
        values["precision"] = self.precision.value
        values["names"] = self.names.value
        values["target_modules"] = list(self.target_modules) if self.target_modules else None
        values["report_to"] = list(self.report_to)
        return values
