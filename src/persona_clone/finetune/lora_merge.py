"""
Merging a LoRA adapter into its base model: one folder that any server loads.

The merged folder holds the model's weights as safetensors, its config and
generation config, the tokenizer and the chat template used in training:
``transformers``, vLLM and (after conversion to GGUF) Ollama and llama.cpp load
it like any other model, with no LoRA support needed.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Final

from persona_clone.errors import ConfigError
from persona_clone.finetune import lora_training as training
from persona_clone.finetune.lora_summary import METADATA_FILE, SUMMARY_FILE


__all__ = ["MERGED", "end_of_turn_ids", "merge_adapter"]

MERGED: Final = "merged"
"""The merged model's folder inside the adapter's, when training merges it."""


def merge_adapter(adapter: Path, output: Path, *, trust_remote_code: bool = False) -> Path:
    """
    Write the base model of *adapter* with the adapter merged in, to *output*.

    The base model is the one the adapter names (``base_model_name_or_path``),
    loaded in the dtype it was saved in (a QLoRA adapter is merged into the
    unquantized base).
    The chat template's end-of-turn token, when it is a token of its own, joins
    the end-of-sequence tokens of the generation config, so generation stops
    where the persona's turn ends.
    The folder is written beside *output* and moved in place when complete.

    Raises:
        ConfigError: *adapter* is not an adapter folder, or *output* exists.
    """
    training.require_packages()
    from peft import AutoPeftModelForCausalLM  # noqa: PLC0415 -- optional dependency

    adapter, output = Path(adapter), Path(output)
    if not (adapter / "adapter_config.json").is_file():
        raise ConfigError(f"{adapter}: expected a LoRA adapter folder (adapter_config.json)")
    if output.exists():
        raise ConfigError(f"{output}: expected a new folder for the merged model, found one")
    tokenizer, _ = training.load_tokenizer(str(adapter), trust_remote_code=trust_remote_code)
    with training.quiet_peft():
        model = AutoPeftModelForCausalLM.from_pretrained(
            str(adapter), dtype="auto", trust_remote_code=trust_remote_code
        )
    merged = model.merge_and_unload()
    _stop_at_end_of_turn(merged, tokenizer)
    partial = output.with_name(f".{output.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    merged.save_pretrained(str(partial), safe_serialization=True)
    tokenizer.save_pretrained(str(partial))
    training.save_chat_template(tokenizer, partial)
    for name in (METADATA_FILE, SUMMARY_FILE):  # how it was trained, and how to render for it
        if (adapter / name).is_file():
            shutil.copyfile(adapter / name, partial / name)
    partial.rename(output)
    return output


def end_of_turn_ids(tokenizer: Any) -> list[int]:
    """
    Return the token ids that end a turn in *tokenizer*'s chat template.

    The end-of-sequence token, and the token that the template writes right
    after an assistant's text (``<|im_end|>``, ``<|eot_id|>``, ...) when it is a
    special or added token.
    """
    ids: list[int] = []
    if isinstance(tokenizer.eos_token_id, int):
        ids.append(tokenizer.eos_token_id)
    marker = _turn_end_marker(tokenizer)
    if marker:
        first = tokenizer(marker, add_special_tokens=False)["input_ids"][:1]
        special = set(tokenizer.all_special_ids) | set(tokenizer.added_tokens_decoder)
        if first and first[0] in special and first[0] not in ids:
            ids.append(int(first[0]))
    return ids


def _turn_end_marker(tokenizer: Any) -> str:
    """The text the chat template writes after an assistant's reply."""
    probe = "Zq-end-probe"
    render = training.render_function(tokenizer)
    try:
        text = render(
            [{"role": "user", "content": "hi"}, {"role": "assistant", "content": probe}],
            generation_prompt=False,
        )
    except Exception:  # noqa: BLE001 -- a template that refuses the probe has no marker to find
        return ""
    end = text.rfind(probe)
    return text[end + len(probe) :].strip() if end >= 0 else ""


def _stop_at_end_of_turn(model: Any, tokenizer: Any) -> None:
    stops = end_of_turn_ids(tokenizer)
    config = model.generation_config
    current = config.eos_token_id
    known = [current] if isinstance(current, int) else list(current or [])
    config.eos_token_id = [*known, *(token for token in stops if token not in known)]
    if config.pad_token_id is None and isinstance(tokenizer.pad_token_id, int):
        config.pad_token_id = tokenizer.pad_token_id
