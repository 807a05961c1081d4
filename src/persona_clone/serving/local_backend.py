"""
The clone on this machine: generation with ``transformers``, no server needed.

`LocalChatModel` loads a LoRA adapter folder (``finetune-local``'s output) or a
merged model folder and writes replies with the chat template used in training,
speakers' names passed as training passed them.
`local_client` wraps it in an ``openai.AsyncOpenAI`` client whose requests never
leave the process: its transport answers ``/chat/completions`` and
``/completions`` with the model.
So a `persona_clone.serving.responder.Responder` serves a local model exactly as
it serves an endpoint: same renderer, buffer, loop guard (its frequency and
presence penalties are applied here too) and retries.
Other code (an evaluation, a script) calls `LocalChatModel.complete` directly.

Needs the ``lora`` extra and PyTorch; importing this module imports neither.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
from pathlib import Path
from typing import Any, Final

import httpx2
import openai
from attrs import define, field

from ..errors import ConfigError
from ..finetune import lora_training as training
from ..finetune.lora_data import NameStyle
from ..finetune.lora_merge import end_of_turn_ids
from ..finetune.lora_summary import METADATA_FILE
from .responder import connect


__all__ = ["LOCAL_BASE_URL", "LocalChatModel", "LocalTransport", "local_client"]

LOCAL_BASE_URL: Final = "http://local-model.invalid/v1"
"""The base URL of `local_client`: a name that no request ever resolves."""


@define(kw_only=True)
class LocalChatModel:
    """
    A causal language model on this machine that answers chats.

    Build it with `load`. Generation is serialised (one reply at a time).

    Args:
        model: The ``transformers`` model, in eval mode.
        tokenizer: Its tokenizer, with the chat template used in training.
        names: How speakers' names reach the model, as in training.
        name: What it calls itself in answers (the folder it came from).
    """

    model: Any
    tokenizer: Any
    names: NameStyle = NameStyle.TEMPLATE
    name: str = "local"
    _lock: threading.Lock = field(factory=threading.Lock, init=False)

    @classmethod
    def load(
        cls, folder: str | Path, *, device: str = "auto", trust_remote_code: bool = False
    ) -> LocalChatModel:
        """
        Load an adapter folder (on its base model, merged in memory) or a model folder.

        The names style comes from the folder's ``persona-clone-lora.json``
        when there is one (``template`` otherwise).

        Raises:
            ConfigError: *folder* holds no model or adapter, or *device* is not available.
            FineTuneError: torch, transformers or peft is missing.
        """
        training.require_packages()
        path = Path(folder)
        if not (path / "adapter_config.json").is_file() and not (path / "config.json").is_file():
            raise ConfigError(
                f"{path}: expected an adapter (adapter_config.json) or a model folder "
                "(config.json), found neither"
            )
        target = training.resolve_device(device)
        tokenizer, _ = training.load_tokenizer(str(path), trust_remote_code=trust_remote_code)
        try:
            model = _load_weights(path, trust_remote_code=trust_remote_code)
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path}: expected a loadable model ({error})") from error
        model.to(target)
        model.eval()
        return cls(model=model, tokenizer=tokenizer, names=_names_style(path), name=path.name)

    def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        max_tokens: int = 256,
        temperature: float | None = None,
        frequency_penalty: float = 0.0,
        presence_penalty: float = 0.0,
        stop: list[str] | None = None,
    ) -> str:
        """
        Return the assistant's next reply to *messages* (OpenAI chat format).

        *temperature* 0 (or None with ``do_sample`` off in the model's
        generation config) decodes greedily. The penalties work as OpenAI's:
        each token already in the reply loses *frequency_penalty* per use and
        *presence_penalty* once.
        """
        rendered = [self._message(message) for message in messages]
        prompt = self.tokenizer.apply_chat_template(
            rendered, tokenize=False, add_generation_prompt=True
        )
        return self.complete_text(
            str(prompt),
            max_tokens=max_tokens,
            temperature=temperature,
            frequency_penalty=frequency_penalty,
            presence_penalty=presence_penalty,
            stop=stop,
        )

    def complete_text(
        self,
        prompt: str,
        *,
        max_tokens: int = 256,
        temperature: float | None = None,
        frequency_penalty: float = 0.0,
        presence_penalty: float = 0.0,
        stop: list[str] | None = None,
    ) -> str:
        """Return the continuation of *prompt* (a rendered prompt), cut at *stop*."""
        import torch  # noqa: PLC0415 -- optional dependency

        encoded = self.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")
        ids = encoded["input_ids"].to(self.model.device)
        mask = encoded["attention_mask"].to(self.model.device)
        options: dict[str, Any] = {
            "max_new_tokens": max_tokens,
            "eos_token_id": end_of_turn_ids(self.tokenizer) or None,
            "pad_token_id": self.tokenizer.pad_token_id,
        }
        if temperature is not None:
            options["do_sample"] = temperature > 0
            if temperature > 0:
                options["temperature"] = temperature
        if frequency_penalty or presence_penalty:
            options["logits_processor"] = [
                _penalties(ids.shape[1], frequency_penalty, presence_penalty)
            ]
        with self._lock, torch.inference_mode():
            output = self.model.generate(input_ids=ids, attention_mask=mask, **options)
        text = str(self.tokenizer.decode(output[0, ids.shape[1] :], skip_special_tokens=True))
        for marker in stop or []:
            text = text.split(marker, 1)[0]
        return text.strip()

    def _message(self, message: dict[str, Any]) -> dict[str, Any]:
        name = message.get("name")
        rendered = {key: value for key, value in message.items() if key != "name"}
        if name and self.names is NameStyle.CONTENT:
            rendered["content"] = f"{name}: {message.get('content', '')}"
        elif name:
            rendered["name"] = name
        return rendered


def _load_weights(path: Path, *, trust_remote_code: bool) -> Any:
    if (path / "adapter_config.json").is_file():
        from peft import AutoPeftModelForCausalLM  # noqa: PLC0415 -- optional dependency

        with training.quiet_peft():
            adapted = AutoPeftModelForCausalLM.from_pretrained(
                str(path), dtype="auto", trust_remote_code=trust_remote_code
            )
        return adapted.merge_and_unload()
    from transformers import AutoModelForCausalLM  # noqa: PLC0415 -- optional dependency

    return AutoModelForCausalLM.from_pretrained(
        str(path), dtype="auto", trust_remote_code=trust_remote_code
    )


def _names_style(path: Path) -> NameStyle:
    metadata = path / METADATA_FILE
    if not metadata.is_file():
        return NameStyle.TEMPLATE
    settings = json.loads(metadata.read_text(encoding="utf-8")).get("settings", {})
    return NameStyle(settings.get("names", NameStyle.TEMPLATE.value))


def _penalties(prompt_length: int, frequency: float, presence: float) -> Any:
    """A ``LogitsProcessor`` applying OpenAI's frequency and presence penalties."""
    import torch  # noqa: PLC0415 -- optional dependency
    from transformers import LogitsProcessor  # noqa: PLC0415 -- optional dependency

    class _Penalties(LogitsProcessor):  # type: ignore[misc]
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            for row in range(input_ids.shape[0]):
                reply = input_ids[row, prompt_length:]
                if reply.numel() == 0:
                    continue
                tokens, counts = torch.unique(reply, return_counts=True)
                scores[row, tokens] -= frequency * counts.to(scores.dtype) + presence
            return scores

    return _Penalties()


@define(kw_only=True)
class LocalTransport(httpx2.AsyncBaseTransport):
    """
    An HTTP transport that answers OpenAI chat and text completions with a `LocalChatModel`.

    Generation runs in a worker thread, so the event loop (typing indicators,
    other chats) goes on meanwhile. Any other path is a 404.
    """

    model: LocalChatModel
    _ids: Any = field(factory=lambda: itertools.count(1), init=False)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one request of the ``openai`` SDK."""
        body = json.loads((await request.aread()) or b"{}")
        path = request.url.path
        options = {
            "max_tokens": int(body.get("max_tokens") or body.get("max_completion_tokens") or 256),
            "temperature": body.get("temperature"),
            "frequency_penalty": float(body.get("frequency_penalty") or 0.0),
            "presence_penalty": float(body.get("presence_penalty") or 0.0),
            "stop": _stops(body.get("stop")),
        }
        number = next(self._ids)
        if path.endswith("/chat/completions"):
            text = await asyncio.to_thread(self.model.complete, body["messages"], **options)
            choice = {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": text},
            }
            return _answer(request, f"local-chat-{number}", "chat.completion", body, choice)
        if path.endswith("/completions"):
            text = await asyncio.to_thread(self.model.complete_text, body["prompt"], **options)
            choice = {"index": 0, "finish_reason": "stop", "text": text, "logprobs": None}
            return _answer(request, f"local-text-{number}", "text_completion", body, choice)
        error = {"error": {"message": f"no such path: {path}", "type": "invalid_request_error"}}
        return httpx2.Response(404, json=error, request=request)


def _stops(value: Any) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(item) for item in value]


def _answer(
    request: httpx2.Request, answer_id: str, kind: str, body: dict[str, Any], choice: Any
) -> httpx2.Response:
    content = {
        "id": answer_id,
        "object": kind,
        "created": 0,
        "model": str(body.get("model", "local")),
        "choices": [choice],
    }
    return httpx2.Response(200, json=content, request=request)


def local_client(model: LocalChatModel) -> openai.AsyncOpenAI:
    """Return an ``openai.AsyncOpenAI`` client whose requests *model* answers in-process."""
    transport = LocalTransport(model=model)
    return connect(
        base_url=LOCAL_BASE_URL,
        api_key="local",
        http_client=httpx2.AsyncClient(transport=transport),
    )
