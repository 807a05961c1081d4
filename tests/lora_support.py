"""
Support for the local training tests: a tiny model and chats made here.

The base model is a two-layer Llama built from a config and its tokenizer is
trained on this file's own texts with the ``tokenizers`` library: nothing is
downloaded. Import it only after checking that torch and transformers exist.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any


FRIENDS = [
    "are you coming tonight",
    "did you see the match",
    "what are you doing",
    "call me when you can",
    "are we still on for friday",
    "how was work today",
]
ADA = ["lol yes ok", "lol no way", "lol sure thing", "lol maybe later"]
SPECIALS = ["<unk>", "<pad>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
UNKNOWN = "<unk>"
TOKEN_ROLES = {"bos_token": "<s>", "eos_token": "</s>", "pad_token": "<pad>"}
TOKEN_ROLES["unk_token"] = UNKNOWN


def conversations(count: int, seed: int) -> list[dict[str, Any]]:
    """Group chats where Ada answers "lol ..."; one reply in three is not trained."""
    rng = random.Random(seed)  # noqa: S311 -- test data
    return [
        {
            "messages": [
                {"role": "system", "content": "You are Ada."},
                {"role": "user", "name": "Bob", "content": rng.choice(FRIENDS)},
                {"role": "assistant", "content": rng.choice(ADA)},
                {"role": "user", "name": "Cem", "content": rng.choice(FRIENDS)},
                {
                    "role": "assistant",
                    "content": rng.choice(ADA),
                    "weight": 0 if index % 3 == 0 else 1,
                },
            ]
        }
        for index in range(count)
    ]


def build_base_model(folder: Path) -> None:
    """Save a tiny random Llama and a tokenizer trained on this file's texts."""
    texts = [*FRIENDS, *ADA, "You are Ada.", "Bob Cem system user assistant"]
    import tokenizers  # noqa: PLC0415 -- optional dependency
    import torch  # noqa: PLC0415
    import transformers  # noqa: PLC0415

    tokenizer = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token=UNKNOWN))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tokenizers.decoders.ByteLevel()
    trainer = tokenizers.trainers.BpeTrainer(
        vocab_size=400,
        special_tokens=SPECIALS,
        initial_alphabet=tokenizers.pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts * 5, trainer)
    wrapped = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, **TOKEN_ROLES)
    config = transformers.LlamaConfig(
        vocab_size=len(wrapped),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        initializer_range=0.3,  # a random model with weights this large can be steered
    )
    torch.manual_seed(0)
    transformers.LlamaForCausalLM(config).save_pretrained(folder)
    wrapped.save_pretrained(folder)


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    """Write *rows* as JSON lines."""
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path
