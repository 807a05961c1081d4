"""
The torch side of local LoRA training: checking the packages, loading, rendering.

The training itself is TRL's ``SFTTrainer`` (see `persona_clone.finetune.lora_sft`).

Everything here imports torch, transformers and peft inside the functions, so
that importing this module (or persona_clone) stays cheap and works without them.
Types from those libraries are ``Any`` here: they are optional dependencies.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

from persona_clone.errors import ConfigError, FineTuneError
from persona_clone.finetune.lora_data import CHATML_TEMPLATE, Render, Span, TextEncoder


__all__ = [
    "LORA_PACKAGES",
    "is_main_process",
    "leave_process_group",
    "load_adapter",
    "load_model",
    "load_tokenizer",
    "quiet_peft",
    "render_function",
    "require_packages",
    "resolve_device",
    "resolve_dtype",
    "save_chat_template",
    "text_encoder",
]

LORA_PACKAGES: Final = ("torch", "transformers", "peft", "trl", "accelerate", "datasets")
"""What local training imports; missing ones are named in the error."""

_INSTALL_HINT: Final = (
    "install PyTorch for your hardware first (https://pytorch.org/get-started/), "
    "then: pip install 'persona-clone[lora]'"
)


def require_packages() -> None:
    """
    Check that torch, transformers, peft, trl, accelerate and datasets can be imported.

    Raises:
        FineTuneError: naming the missing packages and how to install them.
    """
    missing = [name for name in LORA_PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise FineTuneError(
            f"local LoRA training needs {', '.join(missing)}: {_INSTALL_HINT}",
            code="missing_dependency",
        )


def is_main_process() -> bool:
    """
    Whether this is the first (or only) process of a run.

    Under ``accelerate launch`` or ``torchrun`` every process trains; only the
    first writes the summary, merges and prints.
    """
    return os.environ.get("RANK", "0") == "0"


def leave_process_group() -> None:
    """
    End a distributed run together: wait for every process, then close the group.

    Without it a worker that is done exits while the first process is still
    saving, and the collective library aborts it mid-teardown. Does nothing in
    a single-process run.
    """
    import torch.distributed as dist  # noqa: PLC0415 (optional dependency)

    if dist.is_available() and dist.is_initialized():
        dist.barrier()
        dist.destroy_process_group()


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


def load_adapter(model: Any, adapter: Path) -> Any:
    """Put the adapter saved in *adapter* on *model* (for inference)."""
    import peft  # noqa: PLC0415 -- optional dependency

    with quiet_peft():
        return peft.PeftModel.from_pretrained(model, str(adapter))


@contextlib.contextmanager
def quiet_peft() -> Iterator[None]:
    """Hide peft's warnings about what it handles itself (nothing to act on)."""
    with warnings.catch_warnings():
        # peft asks transformers 5 a question under its deprecated name
        warnings.filterwarnings(
            "ignore", "`is_gradient_checkpointing` is deprecated", FutureWarning
        )
        # GPT-2 style Conv1D layers: peft transposes the adapter itself
        warnings.filterwarnings("ignore", "fan_in_fan_out is set to False", UserWarning)
        yield


def save_chat_template(tokenizer: Any, folder: Path) -> Path:
    """Write the chat template used in training to *folder*/chat_template.jinja."""
    template = tokenizer.chat_template
    if isinstance(template, dict):  # named templates: the default one renders chats
        template = template.get("default", next(iter(template.values())))
    path = folder / "chat_template.jinja"
    path.write_text(str(template), encoding="utf-8")
    return path
