"""
The torch side of local LoRA training: loading, batching, the masked loss, the loop.

Everything here imports torch, transformers and peft inside the functions, so
that importing this module (or persona_clone) stays cheap and works without them.
Types from those libraries are ``Any`` here: they are optional dependencies.
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import random
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Final

from attrs import frozen

from persona_clone.errors import ConfigError, FineTuneError
from persona_clone.finetune.lora_data import (
    CHATML_TEMPLATE,
    IGNORE_INDEX,
    EncodedExample,
    Render,
    Span,
    TextEncoder,
)


__all__ = [
    "LORA_PACKAGES",
    "Batch",
    "StepReport",
    "batches",
    "load_model",
    "load_tokenizer",
    "masked_loss",
    "require_packages",
    "resolve_device",
    "text_encoder",
    "train",
]

LORA_PACKAGES: Final = ("torch", "transformers", "peft")
"""What local training imports; missing ones are named in the error."""

_INSTALL_HINT: Final = (
    "install PyTorch for your hardware first (https://pytorch.org/get-started/), "
    "then: pip install 'persona-clone[lora]'"
)


def require_packages() -> None:
    """
    Check that torch, transformers and peft can be imported.

    Raises:
        FineTuneError: naming the missing packages and how to install them.
    """
    missing = [name for name in LORA_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise FineTuneError(
            f"local LoRA training needs {', '.join(missing)}: {_INSTALL_HINT}",
            code="missing_dependency",
        )


def resolve_device(device: str) -> Any:
    """
    Return the ``torch.device`` for *device*: ``auto`` picks CUDA, then MPS, then CPU.

    Raises:
        ConfigError: the device was asked for by name and is not available.
    """
    import torch  # noqa: PLC0415 -- optional dependency

    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
    }
    if not available.get(device.split(":", 1)[0], False):
        raise ConfigError(f"device: expected an available device, found {device!r}")
    return torch.device(device)


def resolve_dtype(precision: str, device: Any) -> Any:
    """Return the torch dtype for *precision* (``auto``: bfloat16 on CUDA if it can)."""
    import torch  # noqa: PLC0415 -- optional dependency

    if precision == "auto":
        if device.type == "cuda" and torch.cuda.is_bf16_supported():
            return torch.bfloat16
        return torch.float32
    return getattr(torch, precision)


def load_tokenizer(model: str, *, trust_remote_code: bool = False) -> tuple[Any, bool]:
    """
    Load the tokenizer of *model* (a hub id or a local folder).

    A tokenizer without a chat template gets `CHATML_TEMPLATE`, and one without a
    padding token pads with its end-of-sequence token.

    Returns:
        The tokenizer and whether it brought its own chat template.
    """
    from transformers import AutoTokenizer  # noqa: PLC0415 -- optional dependency

    try:
        tokenizer = AutoTokenizer.from_pretrained(model, trust_remote_code=trust_remote_code)
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"model: expected a hub id or a folder with a tokenizer, found {model!r} ({error})"
        ) from error
    own_template = bool(getattr(tokenizer, "chat_template", None))
    if not own_template:
        tokenizer.chat_template = CHATML_TEMPLATE
    if tokenizer.pad_token_id is None and tokenizer.eos_token is not None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer, own_template


def render_function(tokenizer: Any) -> Render:
    """Return a function rendering messages with *tokenizer*'s chat template."""

    def render(messages: list[dict[str, str]], *, generation_prompt: bool) -> str:
        text = tokenizer.apply_chat_template(
            messages, tokenize=False, add_generation_prompt=generation_prompt
        )
        return str(text)

    return render


def text_encoder(tokenizer: Any) -> TextEncoder:
    """
    Return a `persona_clone.finetune.lora_data.TextEncoder` for *tokenizer*.

    Special tokens are not added: chat templates write them into the text.
    """
    fast = bool(getattr(tokenizer, "is_fast", False))

    def encode(text: str) -> tuple[list[int], list[Span] | None]:
        if fast:
            encoding = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
            offsets = [(int(start), int(end)) for start, end in encoding["offset_mapping"]]
            return list(encoding["input_ids"]), offsets
        return list(tokenizer(text, add_special_tokens=False)["input_ids"]), None

    return encode


def load_model(model: str, *, device: Any, dtype: Any, trust_remote_code: bool = False) -> Any:
    """
    Load the causal language model *model* (hub id or folder) onto *device*.

    Raises:
        ConfigError: *model* is not a causal language model that can be loaded.
    """
    from transformers import AutoModelForCausalLM  # noqa: PLC0415 -- optional dependency

    try:
        loaded = AutoModelForCausalLM.from_pretrained(
            model, dtype=dtype, trust_remote_code=trust_remote_code
        )
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"model: expected a causal language model (hub id or folder), found {model!r} ({error})"
        ) from error
    return loaded.to(device)


def enable_checkpointing(model: Any) -> None:
    """Recompute activations in the backward pass instead of keeping them."""
    enable = getattr(model, "activation_checkpointing_enable", None)  # transformers 5
    if enable is None:
        enable = model.gradient_checkpointing_enable
    enable()
    model.enable_input_require_grads()


def wrap_with_lora(model: Any, config: Any) -> Any:
    """Add LoRA layers described by the peft *config* to *model*."""
    import peft  # noqa: PLC0415 -- optional dependency

    with _quiet_peft():
        return peft.get_peft_model(model, config)


def load_adapter(model: Any, adapter: Path) -> Any:
    """Put the adapter saved in *adapter* on *model* (for inference)."""
    import peft  # noqa: PLC0415 -- optional dependency

    with _quiet_peft():
        return peft.PeftModel.from_pretrained(model, str(adapter))


@contextlib.contextmanager
def _quiet_peft() -> Iterator[None]:
    """Hide peft's warnings about what it handles itself (nothing to act on)."""
    with warnings.catch_warnings():
        # peft asks transformers 5 a question under its deprecated name
        warnings.filterwarnings(
            "ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning
        )
        # GPT-2 style Conv1D layers: peft transposes the adapter itself
        warnings.filterwarnings("ignore", "fan_in_fan_out is set to False", UserWarning)
        yield


@frozen(kw_only=True)
class Batch:
    """Padded tensors of a few examples: token ids, attention mask and labels."""

    input_ids: Any
    attention_mask: Any
    labels: Any

    @property
    def trained_tokens(self) -> int:
        """How many tokens the loss counts in this batch."""
        return int((self.labels[:, 1:] != IGNORE_INDEX).sum().item())


def batches(
    examples: Sequence[EncodedExample], *, size: int, pad_id: int, device: Any
) -> Iterator[Batch]:
    """Yield *examples* in order, *size* at a time, right-padded, on *device*."""
    import torch  # noqa: PLC0415 -- optional dependency

    for first in range(0, len(examples), size):
        chunk = examples[first : first + size]
        width = max(len(example.input_ids) for example in chunk)
        ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        labels = torch.full((len(chunk), width), IGNORE_INDEX, dtype=torch.long)
        for row, example in enumerate(chunk):
            length = len(example.input_ids)
            ids[row, :length] = torch.tensor(example.input_ids)
            mask[row, :length] = 1
            labels[row, :length] = torch.tensor(example.labels)
        yield Batch(
            input_ids=ids.to(device),
            attention_mask=mask.to(device),
            labels=labels.to(device),
        )


def masked_loss(model: Any, batch: Batch) -> Any:
    """Return the summed cross-entropy over *batch*'s trained tokens (a 0-d tensor)."""
    import torch  # noqa: PLC0415 -- optional dependency

    logits = model(
        input_ids=batch.input_ids, attention_mask=batch.attention_mask, use_cache=False
    ).logits
    predicted = logits[:, :-1, :].float()
    return torch.nn.functional.cross_entropy(
        predicted.reshape(-1, predicted.shape[-1]),
        batch.labels[:, 1:].reshape(-1),
        ignore_index=IGNORE_INDEX,
        reduction="sum",
    )


def mean_loss(
    model: Any,
    examples: Sequence[EncodedExample],
    *,
    size: int,
    pad_id: int,
    device: Any,
) -> float:
    """Return *model*'s mean loss per trained token on *examples* (in eval mode)."""
    import torch  # noqa: PLC0415 -- optional dependency

    was_training = model.training
    model.eval()
    total, tokens = 0.0, 0
    with torch.no_grad():
        for batch in batches(examples, size=size, pad_id=pad_id, device=device):
            total += float(masked_loss(model, batch).item())
            tokens += batch.trained_tokens
    model.train(was_training)
    return total / tokens if tokens else math.nan


@frozen(kw_only=True)
class StepReport:
    """
    What one optimizer step did.

    Args:
        step: The step just done, from 1.
        total_steps: Steps in the whole run.
        epoch: The fractional epoch reached.
        loss: Mean loss per trained token over the step's examples.
        learning_rate: The rate the step used.
    """

    step: int
    total_steps: int
    epoch: float
    loss: float
    learning_rate: float


@frozen(kw_only=True)
class Schedule:
    """
    How the loop walks the data.

    Args:
        epochs: Passes over the data.
        batch_size: Examples per forward pass.
        accumulation: Forward passes per optimizer step.
        learning_rate: Peak learning rate.
        warmup_ratio: Share of the steps spent warming up linearly; then the rate
            decays linearly to 0.
        weight_decay: AdamW's weight decay.
        max_grad_norm: Gradients are clipped to this norm.
        seed: Seeds the data order (the caller seeds torch).
    """

    epochs: int
    batch_size: int
    accumulation: int
    learning_rate: float
    warmup_ratio: float
    weight_decay: float
    max_grad_norm: float = 1.0
    seed: int = 0

    def total_steps(self, examples: int) -> int:
        """Optimizer steps for *examples* examples over all epochs."""
        passes = math.ceil(examples / self.batch_size)
        return self.epochs * math.ceil(passes / self.accumulation)


def train(
    model: Any,
    examples: Sequence[EncodedExample],
    schedule: Schedule,
    *,
    pad_id: int,
    device: Any,
    on_step: Callable[[StepReport], None],
    on_epoch: Callable[[int], None] = lambda _: None,
) -> None:
    """
    Train *model*'s trainable parameters on *examples* with AdamW.

    The data is shuffled each epoch with a `random.Random` seeded from the schedule;
    the loss of a step is summed over its examples' trained tokens and divided by
    their count, so gradient accumulation gives the same step as a larger batch.

    Raises:
        FineTuneError: the loss became NaN or infinite (code ``diverged``).
    """
    import torch  # noqa: PLC0415 -- optional dependency

    parameters = [parameter for parameter in model.parameters() if parameter.requires_grad]
    optimizer = torch.optim.AdamW(
        parameters, lr=schedule.learning_rate, weight_decay=schedule.weight_decay
    )
    total = schedule.total_steps(len(examples))
    warmup = math.ceil(total * schedule.warmup_ratio)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _linear(warmup, total))
    shuffler = random.Random(schedule.seed)  # noqa: S311 -- data order, not security
    order = list(range(len(examples)))
    step = 0
    model.train()
    for epoch in range(schedule.epochs):
        shuffler.shuffle(order)
        shuffled = [examples[index] for index in order]
        stream = batches(shuffled, size=schedule.batch_size, pad_id=pad_id, device=device)
        per_epoch = total // schedule.epochs
        for done, group in enumerate(_groups(stream, schedule.accumulation), start=1):
            tokens = sum(batch.trained_tokens for batch in group)
            total_loss = 0.0
            for batch in group:
                loss = masked_loss(model, batch) / max(tokens, 1)
                loss.backward()
                total_loss += float(loss.item())
            if not math.isfinite(total_loss):
                raise FineTuneError(
                    f"the loss became {total_loss} at step {step + 1}: lower the learning rate",
                    code="diverged",
                )
            torch.nn.utils.clip_grad_norm_(parameters, schedule.max_grad_norm)
            rate = float(scheduler.get_last_lr()[0])
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            on_step(
                StepReport(
                    step=step,
                    total_steps=total,
                    epoch=epoch + done / per_epoch,
                    loss=total_loss,
                    learning_rate=rate,
                )
            )
        on_epoch(epoch + 1)


def _groups(items: Iterator[Batch], size: int) -> Iterator[list[Batch]]:
    """Yield *size* batches at a time (fewer at the end), making them as needed."""
    group: list[Batch] = []
    for item in items:
        group.append(item)
        if len(group) == size:
            yield group
            group = []
    if group:
        yield group


def _linear(warmup: int, total: int) -> Callable[[int], float]:
    """Linear warm-up over *warmup* steps, then linear decay to zero at *total*."""

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / (warmup + 1)
        return max(0.0, (total - step) / max(1, total - warmup))

    return factor


def save_chat_template(tokenizer: Any, folder: Path) -> Path:
    """Write the chat template used in training to *folder*/chat_template.jinja."""
    template = tokenizer.chat_template
    if isinstance(template, dict):  # named templates: the default one renders chats
        template = template.get("default", next(iter(template.values())))
    path = folder / "chat_template.jinja"
    path.write_text(str(template), encoding="utf-8")
    return path
