"""
Local training on a GPU: tokens per second and peak memory of LoRA and QLoRA.

Run on a machine with an NVIDIA GPU, the lora extra and bitsandbytes (the qlora extra):

    python benchmarks/gpu_check.py [--sizes 0.5b 7b] [--modes lora qlora] [--steps 20]

Nothing is downloaded: each model is the Qwen2.5 architecture of its size, built
from the configuration written below with random weights, and saved to a
temporary folder; the tokenizer is trained on the synthetic chats. Training goes
through `persona_clone.finetune.LoraFineTuner` (TRL's SFTTrainer), exactly as
``finetune-local`` does, and the figures come from its ``training.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Any


QWEN25 = {
    # Qwen2.5-0.5B-Instruct and Qwen2.5-7B-Instruct, from their published config.json
    "0.5b": {
        "hidden_size": 896,
        "intermediate_size": 4864,
        "num_hidden_layers": 24,
        "num_attention_heads": 14,
        "num_key_value_heads": 2,
        "vocab_size": 151936,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": True,
    },
    "7b": {
        "hidden_size": 3584,
        "intermediate_size": 18944,
        "num_hidden_layers": 28,
        "num_attention_heads": 28,
        "num_key_value_heads": 4,
        "vocab_size": 152064,
        "max_position_embeddings": 32768,
        "rope_theta": 1000000.0,
        "rms_norm_eps": 1e-6,
        "tie_word_embeddings": False,
    },
}
UNKNOWN = "<unk>"
TOKEN_ROLES = {"eos_token": "<|endoftext|>", "pad_token": "<pad>"}
TOKEN_ROLES["unk_token"] = UNKNOWN
WORDS = [
    "selam",
    "naber",
    "geliyor",
    "musun",
    "bugün",
    "maç",
    "yarın",
    "okey",
    "lol",
    "tamam",
    "hadi",
    "abi",
    "really",
    "yes",
    "no",
]


def chats(count: int, words_per_turn: int, seed: int) -> list[dict[str, Any]]:
    """Synthetic group chats, long enough to fill about 512 tokens each."""
    rng = random.Random(seed)  # noqa: S311 -- test data

    def say() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(words_per_turn))

    return [
        {
            "messages": [
                {"role": "system", "content": "You are Ada."},
                *(
                    message
                    for _ in range(4)
                    for message in (
                        {"role": "user", "name": "Bob", "content": say()},
                        {"role": "assistant", "content": say()},
                    )
                ),
            ]
        }
        for _ in range(count)
    ]


def build(folder: Path, size: str, data: list[dict[str, Any]]) -> None:
    """Save a random Qwen2.5 model of *size* in bfloat16 and a tokenizer for *data*."""
    import tokenizers  # noqa: PLC0415
    import torch  # noqa: PLC0415
    import transformers  # noqa: PLC0415

    texts = [m["content"] for chat in data for m in chat["messages"]]
    tokenizer = tokenizers.Tokenizer(tokenizers.models.BPE(unk_token=UNKNOWN))
    tokenizer.pre_tokenizer = tokenizers.pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = tokenizers.decoders.ByteLevel()
    specials = ["<unk>", "<pad>", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = tokenizers.trainers.BpeTrainer(vocab_size=2000, special_tokens=specials)
    tokenizer.train_from_iterator(texts, trainer)
    wrapped = transformers.PreTrainedTokenizerFast(tokenizer_object=tokenizer, **TOKEN_ROLES)
    config = transformers.Qwen2Config(**QWEN25[size])
    torch.manual_seed(0)
    with torch.device("cuda"):
        model = transformers.Qwen2ForCausalLM(config).to(torch.bfloat16)
    model.save_pretrained(folder)
    wrapped.save_pretrained(folder)
    del model
    torch.cuda.empty_cache()


def measure(folder: Path, mode: str, data: Path) -> dict[str, Any]:
    """Train LoRA (or QLoRA) one epoch over *data*; return training.json's figures."""
    from persona_clone.finetune import LoraFineTuner, LoraSettings  # noqa: PLC0415
    from persona_clone.finetune.lora_summary import TrainingSummary  # noqa: PLC0415

    settings = LoraSettings(
        rank=16,
        epochs=1,
        batch_size=4,
        max_length=512,
        gradient_checkpointing=True,
        load_in_4bit=mode == "qlora",
        save_steps=10_000,
        device="cuda",
    )
    output = folder.parent / f"{folder.name}-{mode}"
    tuner = LoraFineTuner(model=str(folder), output_dir=output, settings=settings, overwrite=True)
    result = tuner.follow(tuner.start(tuner.prepare(data)))
    if not result.succeeded:
        return {"error": f"{result.error_code}: {result.error_message}"}
    summary = TrainingSummary.read(output)
    return {
        "steps": summary.steps,
        "tokens_per_second": round(summary.tokens_per_second),
        "peak_gpu_memory_gib": round(summary.peak_memory_bytes / 2**30, 2),
        "final_loss": summary.final_loss,
    }


def main() -> int:
    """Measure every size and mode asked for and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["0.5b", "7b"], choices=sorted(QWEN25))
    parser.add_argument("--modes", nargs="+", default=["lora", "qlora"], choices=["lora", "qlora"])
    parser.add_argument("--steps", type=int, default=20, help="optimizer steps per run")
    args = parser.parse_args()
    import torch  # noqa: PLC0415

    if not torch.cuda.is_available():
        print("gpu_check: no CUDA GPU here; run it on a machine with one", file=sys.stderr)
        return 2
    gpu = torch.cuda.get_device_name(0)
    rows = chats(args.steps * 4, words_per_turn=40, seed=0)
    with tempfile.TemporaryDirectory() as scratch:
        data = Path(scratch) / "train.jsonl"
        data.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
        for size in args.sizes:
            folder = Path(scratch) / f"qwen2.5-{size}"
            build(folder, size, rows)
            for mode in args.modes:
                figures = measure(folder, mode, data)
                print(json.dumps({"gpu": gpu, "model": f"Qwen2.5-{size}", "mode": mode, **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
