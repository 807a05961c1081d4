"""FakeOpenAI with the real SDK: shapes, lists, lifecycle, checks, inference, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from helpers_finetune import write_dataset
from helpers_spec import spec_errors
from persona_clone.retry import is_refused
from persona_clone.testing import FakeClock, FakeOpenAI, Fault
from persona_clone.testing.fake_openai import refused_base_url


@pytest.fixture(name="clock")
def _clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(name="fake")
def _fake(clock: FakeClock) -> Iterator[FakeOpenAI]:
    with FakeOpenAI(clock=clock, sleep=clock.sleep, replies=["lol"]) as fake:
        yield fake


@pytest.fixture(name="client")
def _client(fake: FakeOpenAI) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=0) as client:
        yield client


def _upload(client: openai.OpenAI, path: Path) -> str:
    file = client.files.create(file=(path.name, path.read_bytes()), purpose="fine-tune")
    client.files.retrieve(file.id)
    return file.id


def _finished_job(client: openai.OpenAI, tmp_path: Path, **options: Any) -> Any:
    training = _upload(client, write_dataset(tmp_path / "train.jsonl", 12))
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training, **options)
    while job.status not in ("succeeded", "failed", "cancelled"):
        job = client.fine_tuning.jobs.retrieve(job.id)
    return job


def _raw(client: openai.OpenAI, path: str) -> Any:
    return client.get(path, cast_to=object)


class TestShapes:
    def test_responses_match_the_spec(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """Files, jobs, lists, events and checkpoints validate against the spec."""
        job = _finished_job(
            client,
            tmp_path,
            suffix="ali",
            method={
                "type": "supervised",
                "supervised": {"hyperparameters": {"n_epochs": 2}},
            },
        )
        job_path = f"/fine_tuning/jobs/{job.id}"
        raw_job = _raw(client, job_path)
        del raw_job[
            "user_provided_suffix"
        ]  # sent by the real service, not in the schema (contract 1.2)
        raw_job["error"] = (
            None  # the real all-null error object is not in the schema (contract 2.1)
        )

        checks = {
            "OpenAIFile": _raw(client, f"/files/{job.training_file}"),
            "ListFilesResponse": _raw(client, "/files"),
            "FineTuningJob": raw_job,
            "ListFineTuningJobEventsResponse": _raw(client, job_path + "/events"),
            "ListFineTuningJobCheckpointsResponse": _raw(client, job_path + "/checkpoints"),
        }

        assert {name: [] for name in checks} == {
            name: spec_errors(name, body) for name, body in checks.items()
        }

    def test_fine_tuned_model_name(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """Model names are ft:<base>:<org>:<suffix>:<id>, empty slot without suffix."""
        with_suffix = _finished_job(client, tmp_path, suffix="ali")
        without = _finished_job(client, tmp_path)

        assert with_suffix.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:fake-org:ali:")
        assert without.fine_tuned_model.startswith("ft:gpt-4o-mini-2024-07-18:fake-org::")

    def test_succeeded_job_fields(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """A succeeded job has resolved hyperparameters, trained tokens and results."""
        job = _finished_job(client, tmp_path)

        results = client.files.content(job.result_files[0]).text
        assert (8, 1, 1.8) == (  # 12 examples: min(25, 100 // 12) epochs
            job.hyperparameters.n_epochs,
            job.hyperparameters.batch_size,
            job.hyperparameters.learning_rate_multiplier,
        )
        assert job.trained_tokens is not None
        assert job.trained_tokens > 0
        assert results.startswith(
            "step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy\n"
        )
        assert 3 == len(client.fine_tuning.jobs.checkpoints.list(job.id).data)


class TestLists:
    def test_events_newest_first_and_after_goes_back(
        self, client: openai.OpenAI, tmp_path: Path
    ) -> None:
        """Events come newest first; after=X gives older ones; has_more is honest."""
        job = _finished_job(client, tmp_path)
        everything = list(client.fine_tuning.jobs.list_events(job.id, limit=1000))

        first = client.fine_tuning.jobs.list_events(job.id, limit=3)
        second = client.fine_tuning.jobs.list_events(job.id, limit=3, after=first.data[-1].id)

        assert [e.id for e in everything[:6]] == [e.id for e in first.data + second.data]
        assert (True, "Created fine-tuning job: " + job.id) == (
            first.has_more,
            everything[-1].message,
        )
        assert sorted(e.created_at for e in everything) == [
            e.created_at for e in reversed(everything)
        ]

    def test_jobs_paginate_without_looping(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """Listing jobs page by page visits each job once, newest first."""
        training = _upload(client, write_dataset(tmp_path / "t.jsonl"))
        ids = [
            client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training).id
            for _ in range(5)
        ]

        listed = [job.id for job in client.fine_tuning.jobs.list(limit=2)]

        assert list(reversed(ids)) == listed

    def test_jobs_filter_by_metadata(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """metadata[k]=v selects the jobs carrying that pair."""
        training = _upload(client, write_dataset(tmp_path / "t.jsonl"))
        client.fine_tuning.jobs.create(
            model="gpt-4o-mini", training_file=training, metadata={"run": "a"}
        )
        wanted = client.fine_tuning.jobs.create(
            model="gpt-4o-mini", training_file=training, metadata={"run": "b"}
        )

        found = client.fine_tuning.jobs.list(metadata={"run": "b"}).data

        assert [wanted.id] == [job.id for job in found]

    def test_files_order_and_purpose(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """Files list newest first, or oldest first with order=asc, by purpose."""
        first = _upload(client, write_dataset(tmp_path / "a.jsonl"))
        second = _upload(client, write_dataset(tmp_path / "b.jsonl", 11))

        assert [second, first] == [f.id for f in client.files.list(purpose="fine-tune")]
        assert [first, second] == [
            f.id for f in client.files.list(purpose="fine-tune", order="asc")
        ]


class TestFiles:
    def test_processing_status(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """An upload is uploaded first and processed when retrieved."""
        path = write_dataset(tmp_path / "t.jsonl")
        created = client.files.create(file=path, purpose="fine-tune")

        assert ("uploaded", "processed") == (
            created.status,
            client.files.retrieve(created.id).status,
        )

    def test_bad_file_ends_in_error(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """A fine-tune upload that is not JSONL ends with status error and details."""
        created = client.files.create(file=("x.jsonl", b"hello\n"), purpose="fine-tune")

        retrieved = client.files.retrieve(created.id)

        assert "error" == retrieved.status
        assert retrieved.status_details is not None

    def test_non_jsonl_name_is_refused(self, client: openai.OpenAI) -> None:
        """A fine-tune upload without a .jsonl name is a 400 naming the file."""
        with pytest.raises(openai.BadRequestError) as caught:
            client.files.create(file=b"{}\n", purpose="fine-tune")

        assert "file" == caught.value.param

    def test_delete_then_404(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """A deleted file is gone: retrieving it is a 404 in the service's words."""
        file_id = _upload(client, write_dataset(tmp_path / "t.jsonl"))
        deleted = client.files.delete(file_id)

        with pytest.raises(openai.NotFoundError, match=f"No such File object: {file_id}"):
            client.files.retrieve(file_id)

        assert deleted.deleted


class TestCreateChecks:
    @pytest.mark.parametrize(
        ("options", "param"),
        [
            ({"suffix": "x" * 65}, "suffix"),
            ({"seed": -1}, "seed"),
            ({"metadata": {str(i): "v" for i in range(17)}}, "metadata"),
            (
                {
                    "method": {
                        "type": "supervised",
                        "supervised": {"hyperparameters": {"n_epochs": 51}},
                    }
                },
                "method.supervised.hyperparameters.n_epochs",
            ),
            (
                {
                    "method": {
                        "type": "supervised",
                        "supervised": {"hyperparameters": {"learning_rate_multiplier": 0}},
                    }
                },
                "method.supervised.hyperparameters.learning_rate_multiplier",
            ),
            ({"training_file": "file-nope"}, "training_file"),
            ({"validation_file": "file-nope"}, "validation_file"),
        ],
    )
    def test_bad_parameters_are_400(
        self, client: openai.OpenAI, tmp_path: Path, options: dict[str, Any], param: str
    ) -> None:
        """Each out-of-range parameter is a 400 whose param names it."""
        values = {
            "model": "gpt-4o-mini",
            "training_file": _upload(client, write_dataset(tmp_path / "t.jsonl")),
            **options,
        }

        with pytest.raises(openai.BadRequestError) as caught:
            client.fine_tuning.jobs.create(**values)

        assert param == caught.value.param

    def test_unknown_model(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """A model that cannot be fine-tuned is refused with model_not_available."""
        with pytest.raises(openai.BadRequestError) as caught:
            client.fine_tuning.jobs.create(
                model="gpt-9",
                training_file=_upload(client, write_dataset(tmp_path / "t.jsonl")),
            )

        assert "model_not_available" == caught.value.code

    def test_unprocessed_file(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """A training file still being processed is refused with a 400."""
        path = write_dataset(tmp_path / "t.jsonl")
        file = client.files.create(file=path, purpose="fine-tune")

        with pytest.raises(openai.BadRequestError, match="not ready"):
            client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=file.id)


class TestValidation:
    @pytest.mark.parametrize(
        ("lines", "code", "text"),
        [
            (
                [
                    {
                        "messages": [
                            {"role": "user", "content": "a"},
                            {"role": "assistant", "content": "b", "weight": 2},
                        ]
                    }
                ],
                "invalid_file_format",
                'Example 1 contains an extra "weight".',
            ),
            (
                [{"messages": [{"content": "a"}]}],
                "invalid_file_format",
                "Example 1, message 1 Discriminator 'role' is missing in value",
            ),
            (
                [{"messages": [{"role": "user", "content": "a"}]}],
                "invalid_file_format",
                "Example 1 is missing an assistant message.",
            ),
            (
                [{"prompt": "a", "completion": " b"}],
                "invalid_file_format",
                "expected either prompt/completion pairs or chat messages",
            ),
            (
                [
                    {
                        "messages": [
                            {"role": "user", "content": "a<|endoftext|>"},
                            {"role": "assistant", "content": "b"},
                        ]
                    }
                ],
                "invalid_file_format",
                "invalid token",
            ),
        ],
    )
    def test_bad_file_fails_the_job(
        self,
        client: openai.OpenAI,
        tmp_path: Path,
        lines: list[dict[str, Any]],
        code: str,
        text: str,
    ) -> None:
        """A file the service would refuse fails the job with its code and message."""
        good = json.dumps(
            {
                "messages": [
                    {"role": "user", "content": "a"},
                    {"role": "assistant", "content": "b"},
                ]
            }
        )
        path = tmp_path / "t.jsonl"
        path.write_text(
            "\n".join([json.dumps(line) for line in lines] + [good] * 10) + "\n",
            encoding="utf-8",
        )
        job = client.fine_tuning.jobs.create(
            model="gpt-4o-mini", training_file=_upload(client, path)
        )

        job = client.fine_tuning.jobs.retrieve(job.id)

        assert job.error is not None
        assert ("failed", code, "training_file") == (
            job.status,
            job.error.code,
            job.error.param,
        )
        assert text in job.error.message

    def test_legacy_model_needs_prompt_completion(
        self, client: openai.OpenAI, tmp_path: Path
    ) -> None:
        """babbage-002 trains on prompt/completion pairs and refuses chat files."""
        path = tmp_path / "t.jsonl"
        path.write_text(
            "\n".join(json.dumps({"prompt": f"p{i}", "completion": " c\n"}) for i in range(10))
            + "\n",
            encoding="utf-8",
        )
        job = client.fine_tuning.jobs.create(
            model="babbage-002", training_file=_upload(client, path)
        )
        while job.status not in ("succeeded", "failed"):
            job = client.fine_tuning.jobs.retrieve(job.id)

        assert job.fine_tuned_model is not None
        answer = client.completions.create(model=job.fine_tuned_model, prompt="p", max_tokens=5)
        assert "lol" == answer.choices[0].text


class TestLifecycle:
    def test_clock_drives_the_lifecycle(self, clock: FakeClock, tmp_path: Path) -> None:
        """With step_seconds, jobs move along as the injected clock advances."""
        with (
            FakeOpenAI(clock=clock, advance_every=None, step_seconds=60) as fake,
            openai.OpenAI(api_key="test", base_url=fake.base_url) as client,
        ):
            job = client.fine_tuning.jobs.create(
                model="gpt-4o-mini",
                training_file=_upload(client, write_dataset(tmp_path / "t.jsonl")),
            )
            before = client.fine_tuning.jobs.retrieve(job.id).status
            clock.advance(seconds=120)
            after = client.fine_tuning.jobs.retrieve(job.id).status

        assert ("validating_files", "running") == (before, after)

    def test_state_rules(self, client: openai.OpenAI, tmp_path: Path) -> None:
        """Pause needs running, resume needs paused; ended jobs cannot be cancelled."""
        job = _finished_job(client, tmp_path)

        for action in (
            client.fine_tuning.jobs.pause,
            client.fine_tuning.jobs.resume,
            client.fine_tuning.jobs.cancel,
        ):
            with pytest.raises(openai.BadRequestError):
                action(job.id)


class TestInference:
    def test_replies_cycle(self, client: openai.OpenAI) -> None:
        """Scripted replies are used in turn, again from the start."""
        with (
            FakeOpenAI(replies=["a", "b"]) as fake,
            openai.OpenAI(api_key="test", base_url=fake.base_url) as other,
        ):
            got = [
                other.chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "x"}]
                )
                .choices[0]
                .message.content
                for _ in range(3)
            ]

        assert ["a", "b", "a"] == got

    def test_reply_function_sees_the_request(self) -> None:
        """A reply function gets the request body."""

        def echo(body: Any) -> str:
            return str(body["messages"][-1]["name"])

        with (
            FakeOpenAI(replies=echo) as fake,
            openai.OpenAI(api_key="test", base_url=fake.base_url) as client,
        ):
            answer = client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "name": "Bora", "content": "x"}],
            )

        assert "Bora" == answer.choices[0].message.content

    def test_stop_and_max_tokens(self, client: openai.OpenAI) -> None:
        """Replies are cut at a stop sequence and at max_tokens."""
        with (
            FakeOpenAI(replies=["one two three\n###\nmore"]) as fake,
            openai.OpenAI(api_key="test", base_url=fake.base_url) as other,
        ):
            stopped = other.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "x"}],
                stop=["\n###\n"],
            )
            short = other.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "x"}],
                max_tokens=2,
            )

        assert ("one two three", "stop") == (
            stopped.choices[0].message.content,
            stopped.choices[0].finish_reason,
        )
        assert ("one two", "length") == (
            short.choices[0].message.content,
            short.choices[0].finish_reason,
        )

    def test_unknown_model_is_404(self, client: openai.OpenAI) -> None:
        """An unknown model is a 404 model_not_found."""
        with pytest.raises(openai.NotFoundError) as caught:
            client.chat.completions.create(
                model="ft:nope", messages=[{"role": "user", "content": "x"}]
            )

        assert "model_not_found" == caught.value.code

    def test_any_fine_tuned_model_by_default(self, client: openai.OpenAI) -> None:
        """A well-formed ft: name on a known base is served, unless strict."""
        name = "ft:gpt-4o-mini-2024-07-18:acme:ada:x1"
        message: list[ChatCompletionMessageParam] = [{"role": "user", "content": "x"}]

        answer = client.chat.completions.create(model=name, messages=message)
        with (
            FakeOpenAI(any_fine_tuned=False) as strict,
            openai.OpenAI(api_key="test", base_url=strict.base_url) as other,
            pytest.raises(openai.NotFoundError),
        ):
            other.chat.completions.create(model=name, messages=message)

        assert "lol" == answer.choices[0].message.content

    def test_wrong_endpoint_is_404(self, client: openai.OpenAI) -> None:
        """A chat model on the completions endpoint is a 404 naming the model."""
        with pytest.raises(openai.NotFoundError) as caught:
            client.completions.create(model="gpt-4o-mini", prompt="x", max_tokens=3)

        assert "model" == caught.value.param

    def test_bad_temperature_is_400(self, client: openai.OpenAI) -> None:
        """A temperature outside 0 to 2 is a 400 naming it."""
        with pytest.raises(openai.BadRequestError) as caught:
            client.chat.completions.create(
                model="gpt-4o-mini",
                messages=[{"role": "user", "content": "x"}],
                temperature=3,
            )

        assert "temperature" == caught.value.param

    def test_new_model_loads_first(self, tmp_path: Path) -> None:
        """Right after success a new model answers 404 for the configured requests."""
        with (
            FakeOpenAI(model_loading_requests=1) as fake,
            openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=0) as client,
        ):
            model = _finished_job(client, tmp_path).fine_tuned_model
            with pytest.raises(openai.NotFoundError):
                client.chat.completions.create(
                    model=model, messages=[{"role": "user", "content": "x"}]
                )
            answer = client.chat.completions.create(
                model=model, messages=[{"role": "user", "content": "x"}]
            )

        assert "ok" == answer.choices[0].message.content

    def test_chat_response_matches_the_spec(self, client: openai.OpenAI) -> None:
        """A chat completion validates against the spec's response schema."""
        body = client.post(
            "/chat/completions",
            body={
                "model": "gpt-4o-mini",
                "messages": [{"role": "user", "content": "x"}],
            },
            cast_to=object,
        )

        assert [] == spec_errors("CreateChatCompletionResponse", body)


class TestAuthAndFaults:
    def test_wrong_key_is_401(self, fake: FakeOpenAI) -> None:
        """A wrong bearer key is a 401 invalid_api_key that does not echo the key."""
        with (
            openai.OpenAI(api_key="sk-wrong", base_url=fake.base_url, max_retries=0) as client,
            pytest.raises(openai.AuthenticationError) as caught,
        ):
            client.files.list()

        assert "invalid_api_key" == caught.value.code
        assert "sk-wrong" not in str(caught.value)

    def test_error_envelope_matches_the_spec(self, client: openai.OpenAI) -> None:
        """Error bodies use the service's envelope."""
        with pytest.raises(openai.NotFoundError) as caught:
            client.files.retrieve("file-nope")

        assert [] == spec_errors("ErrorResponse", caught.value.response.json())

    def test_rate_limit_headers_reach_the_sdk(self, fake: FakeOpenAI) -> None:
        """A 429 with retry-after-ms is retried by the SDK; the retry is recorded."""
        fake.inject(Fault.rate_limit(retry_after_ms=1), path="/v1/files")
        with openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=1) as client:
            client.files.list()

        assert ["0", "1"] == [
            r.headers["x-stainless-retry-count"] for r in fake.requests_to("GET", "/v1/files")
        ]

    def test_dropped_connection(self, fake: FakeOpenAI, client: openai.OpenAI) -> None:
        """A dropped connection reaches the SDK as a connection error."""
        fake.inject(Fault.dropped(), path="/v1/files")

        with pytest.raises(openai.APIConnectionError):
            client.files.list()

    def test_fault_hits_only_matching_requests(
        self, fake: FakeOpenAI, client: openai.OpenAI
    ) -> None:
        """A fault for one method and path leaves other requests; it gets used up."""
        fake.inject(Fault.server_error(503), method="POST", path="/v1/files")

        client.files.list()
        with pytest.raises(openai.InternalServerError):
            client.files.create(file=("t.jsonl", b"{}\n"), purpose="fine-tune")
        client.files.create(file=("t.jsonl", b"{}\n"), purpose="fine-tune")

    def test_base_url_needs_a_running_server(self) -> None:
        """Asking a stopped fake for its URL is an error, not a wrong address."""
        with pytest.raises(RuntimeError):
            _ = FakeOpenAI().base_url


class TestModerations:
    def test_flagged_words_and_shape(self) -> None:
        """/v1/moderations answers one result per input, flagging the listed words."""
        with FakeOpenAI(flagged_words={"idiot": "harassment"}) as fake:
            client = openai.OpenAI(api_key="test", base_url=fake.base_url)
            answer = client.moderations.create(input=["you idiot", "hello"])

        first, second = answer.results
        assert (True, False) == (first.flagged, second.flagged)
        assert first.categories.harassment
        assert not first.categories.hate
        assert "omni-moderation-latest" == answer.model

    def test_missing_input_is_a_400(self) -> None:
        """A request without input is refused as the service refuses it."""
        with FakeOpenAI() as fake:
            client = openai.OpenAI(api_key="test", base_url=fake.base_url, max_retries=0)
            with pytest.raises(openai.BadRequestError, match="input"):
                client.post("/moderations", body={"model": "x"}, cast_to=object)


class TestRefusedConnections:
    def test_nothing_listens_at_the_refused_url(self) -> None:
        """refused_base_url() names a port where the connection is refused."""
        client = openai.OpenAI(api_key="test", base_url=refused_base_url(), max_retries=0)

        with pytest.raises(openai.APIConnectionError) as caught:
            client.models.list()

        assert is_refused(caught.value)
