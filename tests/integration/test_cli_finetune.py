"""The finetune and jobs commands end to end, against FakeOpenAI."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from attrs import define, field
from click.testing import CliRunner, Result

from helpers_finetune import FakeValidation, estimate, validate, write_dataset
from persona_clone.cli import main
from persona_clone.cli.finetune import StatusLine
from persona_clone.finetune import JobStatus, Progress, lora
from persona_clone.finetune.base import ProgressCallback, TuningPlan, TuningResult
from persona_clone.finetune.lora import LoraSettings
from persona_clone.finetune.state import StateFile
from persona_clone.testing import FakeOpenAI, Fault
from persona_clone.testing.fake_openai import refused_base_url


@pytest.fixture(name="fake")
def _fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(name="workdir")
def _workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    write_dataset(tmp_path / "train.jsonl", 12)
    return tmp_path


def _invoke(fake: FakeOpenAI, *args: str, obj: dict[str, Any] | None = None) -> Result:
    env = {"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": fake.base_url}
    extra = {"finetune": {"validate": validate, "estimate": estimate}} if obj is None else obj
    return CliRunner().invoke(main, list(args), env=env, obj=extra)


FINETUNE = (
    "finetune",
    "train.jsonl",
    "--model",
    "gpt-4o-mini",
    "--poll-interval",
    "0",
    "--epochs",
    "2",
)


class TestFinetune:
    def test_prints_the_model_last(self, fake: FakeOpenAI, workdir: Path) -> None:
        """On success the model id is the last line of standard output, exit 0."""
        result = _invoke(fake, *FINETUNE, "--suffix", "ali")

        assert 0 == result.exit_code, result.output
        assert result.stdout.splitlines()[-1] == fake.jobs()[0]["fine_tuned_model"]
        assert ":ali:" in result.stdout.splitlines()[-1]

    def test_state_file_in_the_current_directory(self, fake: FakeOpenAI, workdir: Path) -> None:
        """The default state file, .persona-clone/finetune-state.json, holds the job."""
        _invoke(fake, *FINETUNE)

        state = StateFile(path=workdir / ".persona-clone" / "finetune-state.json").load()
        assert (fake.jobs()[0]["id"], "succeeded") == (state.job_id, state.status)

    def test_running_again_reports_the_finished_job(self, fake: FakeOpenAI, workdir: Path) -> None:
        """The same command after success reports the model; no new upload or job."""
        first = _invoke(fake, *FINETUNE)

        second = _invoke(fake, *FINETUNE)

        assert first.stdout.splitlines()[-1] == second.stdout.splitlines()[-1]
        assert "resuming job" in second.stderr
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))

    def test_ctrl_c_then_resume(self, fake: FakeOpenAI, workdir: Path) -> None:
        """Ctrl-C mid-follow exits 130 and the same command resumes the recorded job."""
        calls: list[float] = []

        def sleep(seconds: float) -> None:
            calls.append(seconds)
            if len(calls) == 3:  # the upload wait, one poll, then Ctrl-C
                raise KeyboardInterrupt

        interrupted = _invoke(
            fake,
            *FINETUNE,
            obj={"finetune": {"validate": validate, "estimate": estimate, "sleep": sleep}},
        )
        resumed = _invoke(fake, *FINETUNE)

        assert 130 == interrupted.exit_code
        assert "Run the same command again" in interrupted.stderr
        assert 0 == resumed.exit_code, resumed.output
        assert f"resuming job {fake.jobs()[0]['id']}" in resumed.stderr
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))

    def test_ctrl_c_while_checking_the_dataset(self, fake: FakeOpenAI, workdir: Path) -> None:
        """Ctrl-C while the dataset is checked exits 130 and says nothing was uploaded."""

        def interrupted_validate(*args: object, **kwargs: object) -> object:
            raise KeyboardInterrupt

        result = _invoke(
            fake,
            *FINETUNE,
            obj={"finetune": {"validate": interrupted_validate, "estimate": estimate}},
        )

        assert 130 == result.exit_code
        assert "nothing was uploaded" in result.stderr
        assert (0, 0) == (len(fake.uploads()), len(fake.jobs()))

    def test_rejected_dataset_quotes_no_personal_data(
        self, fake: FakeOpenAI, workdir: Path
    ) -> None:
        """A rejected dataset's problems quote nothing of a line that is not JSON."""
        (workdir / "train.jsonl").write_text("+90 532 765 43 21: a chat line\n", encoding="utf-8")

        result = _invoke(fake, *FINETUNE, "--dry-run", obj={})

        assert 1 == result.exit_code
        assert "train.jsonl:1: expected one JSON object per line" in result.stderr
        assert "765" not in result.stderr
        assert "a chat line" not in result.stderr

    def test_failed_job_exits_non_zero(self, fake: FakeOpenAI, workdir: Path) -> None:
        """A failed job exits non-zero and shows the job's error code and message."""
        write_dataset(workdir / "train.jsonl", 7)

        result = _invoke(fake, *FINETUNE)

        assert 1 == result.exit_code
        assert "invalid_n_examples" in result.stderr
        assert "must have at least 10 examples" in result.stderr
        assert "" == result.stdout

    def test_cancelled_job_exits_non_zero(self, fake: FakeOpenAI, workdir: Path) -> None:
        """A job cancelled elsewhere ends the command with a non-zero exit."""
        fake.fail_next_job(code="cancelled_elsewhere", at="running")

        result = _invoke(fake, *FINETUNE)

        assert 0 != result.exit_code

    def test_cost_limit_needs_yes(self, fake: FakeOpenAI, workdir: Path) -> None:
        """Above --max-cost the run is refused without --yes and nothing is uploaded."""
        refused = _invoke(fake, *FINETUNE, "--max-cost", "0")
        allowed = _invoke(fake, *FINETUNE, "--max-cost", "0", "--yes")

        assert (1, 0) == (refused.exit_code, allowed.exit_code)
        assert "--yes" in refused.stderr
        assert 1 == len(fake.uploads())

    def test_dry_run_spends_nothing(self, fake: FakeOpenAI, workdir: Path) -> None:
        """--dry-run validates and estimates only: no request reaches the service."""
        result = _invoke(fake, *FINETUNE, "--dry-run")

        assert 0 == result.exit_code
        assert "12 examples" in result.stderr
        assert [] == fake.requests

    def test_dataset_problems_are_listed(self, fake: FakeOpenAI, workdir: Path) -> None:
        """A rejected dataset is reported with its problems, and nothing is sent."""
        (workdir / "train.jsonl").write_text("oops\n", encoding="utf-8")

        result = _invoke(fake, *FINETUNE)

        assert 1 == result.exit_code
        assert "train.jsonl:1: not a JSON object" in result.stderr

    def test_broken_state_file(self, fake: FakeOpenAI, workdir: Path) -> None:
        """A state file that cannot be read is reported by name, without a traceback."""
        state = workdir / ".persona-clone" / "finetune-state.json"
        state.parent.mkdir()
        state.write_text("{broken", encoding="utf-8")

        result = _invoke(fake, *FINETUNE)

        assert 1 == result.exit_code
        assert "finetune-state.json: expected a persona-clone state file" in result.stderr
        assert [] == fake.requests

    def test_missing_key(self, workdir: Path) -> None:
        """Without OPENAI_API_KEY the command says which variable to set."""
        result = CliRunner().invoke(main, list(FINETUNE), env={"OPENAI_API_KEY": ""})

        assert 1 == result.exit_code
        assert "OPENAI_API_KEY" in result.stderr

    def test_the_docs_example_plan_line_is_true(self, fake: FakeOpenAI, workdir: Path) -> None:
        """docs/finetuning.md's plan line is what the command prints for such a dataset."""
        docs = Path(__file__).parents[2] / "docs" / "finetuning.md"
        shown = next(
            line
            for line in docs.read_text(encoding="utf-8").splitlines()
            if line.startswith("out/train.jsonl: ")
        )
        (workdir / "out").mkdir()
        write_dataset(workdir / "out" / "train.jsonl", 12)

        def checked(path: Path, **_: Any) -> FakeValidation:
            return FakeValidation(examples=812, billed_tokens=95_310, exact_tokens=True)

        result = CliRunner().invoke(
            main,
            [
                "finetune",
                "out/train.jsonl",
                "--model",
                "gpt-4.1-mini-2025-04-14",
                "--suffix",
                "ada",
                "--max-cost",
                "5",
                "--dry-run",
            ],
            env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": fake.base_url},
            obj={"finetune": {"validate": checked}},
        )

        assert 0 == result.exit_code, result.output
        assert shown in result.stderr.splitlines()

    def test_dry_run_needs_no_key(self, fake: FakeOpenAI, workdir: Path) -> None:
        """--dry-run validates and estimates without OPENAI_API_KEY."""
        result = CliRunner().invoke(
            main,
            [*FINETUNE, "--dry-run"],
            env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": fake.base_url},
            obj={"finetune": {"validate": validate, "estimate": estimate}},
        )

        assert 0 == result.exit_code, result.output
        assert "12 examples" in result.stderr
        assert [] == fake.requests

    @pytest.mark.parametrize(
        ("key", "said"),
        [
            ("sk-proj-abc123\r", "a carriage return (\\r) at its end"),
            ("sk-proj-abc\u2013123", "U+2013 (en dash) at position 12 of 15"),
            ("sk-proj abc123", "U+0020 (space) at position 8 of 14"),
        ],
    )
    def test_malformed_key_is_named_not_shown(
        self, fake: FakeOpenAI, workdir: Path, key: str, said: str
    ) -> None:
        """A key with a stray character is refused up front, saying what is wrong."""
        result = CliRunner().invoke(
            main, list(FINETUNE), env={"OPENAI_API_KEY": key, "OPENAI_BASE_URL": fake.base_url}
        )

        assert 1 == result.exit_code
        assert said in result.stderr
        assert "abc" not in result.output
        assert [] == fake.requests

    def test_refused_connection_fails_at_once_naming_the_url(self, workdir: Path) -> None:
        """Nothing listening at the base URL: an error naming it, no patient retries."""
        url = refused_base_url()
        sleeps: list[float] = []
        obj = {"finetune": {"validate": validate, "estimate": estimate, "sleep": sleeps.append}}

        result = CliRunner().invoke(
            main, list(FINETUNE), env={"OPENAI_API_KEY": "test", "OPENAI_BASE_URL": url}, obj=obj
        )

        assert 1 == result.exit_code
        assert f"could not reach {url}/files: the connection was refused" in result.stderr
        assert [] == sleeps

    def test_crash_during_job_creation_then_resume(self, fake: FakeOpenAI, workdir: Path) -> None:
        """A crash after the job was created but before it was recorded: the rerun resumes it."""
        fake.inject(Fault.dropped(after=True), method="POST", path="/v1/fine_tuning/jobs")

        def crash(seconds: float) -> None:
            if fake.requests_to("POST", "/v1/fine_tuning/jobs"):
                raise KeyboardInterrupt

        crashed = _invoke(
            fake,
            *FINETUNE,
            obj={"finetune": {"validate": validate, "estimate": estimate, "sleep": crash}},
        )
        state = StateFile(path=workdir / ".persona-clone" / "finetune-state.json").load()
        rerun = _invoke(fake, *FINETUNE)

        assert (130, None) == (crashed.exit_code, state.job_id)
        assert 0 == rerun.exit_code, rerun.output
        assert f"resuming job {fake.jobs()[0]['id']}" in rerun.stderr
        assert "started job" not in rerun.stderr
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))

    def test_survives_faults(self, fake: FakeOpenAI, workdir: Path) -> None:
        """Rate limits and dropped answers do not duplicate uploads or jobs."""
        fake.inject(Fault.rate_limit(retry_after_ms=1), path="/v1/fine_tuning/jobs*", times=3)
        fake.inject(Fault.dropped(after=True), method="POST", path="/v1/files")
        fake.inject(Fault.dropped(after=True), method="POST", path="/v1/fine_tuning/jobs")

        result = _invoke(fake, *FINETUNE)

        assert 0 == result.exit_code, result.output
        assert (1, 1) == (len(fake.uploads()), len(fake.jobs()))

    @pytest.mark.skipif(
        importlib.util.find_spec("persona_clone.dataset") is None,
        reason="needs persona_clone.dataset.validation and persona_clone.dataset.cost",
    )
    def test_default_validator_and_estimator(self, fake: FakeOpenAI, workdir: Path) -> None:
        """Without injected helpers the library's validator and estimate are used."""
        result = _invoke(fake, *FINETUNE, "--dry-run", obj={})

        assert 0 == result.exit_code, result.output
        assert "12 examples" in result.stderr


class TestBuildThenFinetune:
    def test_the_built_dataset_trains_and_the_model_is_last(
        self, fake: FakeOpenAI, workdir: Path
    ) -> None:
        """Build --sample, then finetune its train and validation files: the model id is last."""
        built = CliRunner().invoke(
            main,
            ["build", "--sample", "--persona", "Deniz", "--validation-share", "0.2", "-o", "out"],
        )
        assert 0 == built.exit_code, built.output

        result = _invoke(
            fake,
            "finetune",
            "out/train.jsonl",
            "--validation",
            "out/validation.jsonl",
            "--model",
            "gpt-4o-mini-2024-07-18",
            "--poll-interval",
            "0",
            obj={},
        )

        assert 0 == result.exit_code, result.output
        (job,) = fake.jobs()
        assert job["fine_tuned_model"] == result.stdout.splitlines()[-1]
        assert job["fine_tuned_model"].startswith("ft:gpt-4o-mini-2024-07-18:")
        assert 2 == len(fake.uploads())

    @pytest.mark.parametrize("fmt", ["messages", "sharegpt"])
    def test_open_source_formats_are_refused_before_upload(
        self, fake: FakeOpenAI, workdir: Path, fmt: str
    ) -> None:
        """A dataset only open-source trainers take is refused before anything is uploaded."""
        args = ["build", "--sample", "--persona", "Deniz", "--format", fmt, "-o", "out"]
        built = CliRunner().invoke(main, args)
        assert 0 == built.exit_code, built.output

        result = _invoke(
            fake, "finetune", "out/train.jsonl", "--model", "gpt-4o-mini-2024-07-18", obj={}
        )

        assert 1 == result.exit_code
        assert f"found the {fmt} format (build the dataset with --format chat)" in result.stderr
        assert [] == fake.uploads()


class TestStatusLine:
    def test_live_line_is_rewritten(self, capsys: pytest.CaptureFixture[str]) -> None:
        """On a terminal each update rewrites one line, padded over the longer one."""
        line = StatusLine(live=True)

        line(Progress(job_id="j", status=JobStatus.RUNNING, message="a long message"))
        line(
            Progress(
                job_id="j",
                status=JobStatus.RUNNING,
                message="short",
                step=5,
                total_steps=10,
            )
        )
        line.close()

        assert "\r[running] a long message\r[running] short (50%)   \n" == capsys.readouterr().err


class TestJobs:
    @pytest.fixture(name="finished")
    def _finished(self, fake: FakeOpenAI, workdir: Path) -> str:
        _invoke(fake, *FINETUNE)
        return str(fake.jobs()[0]["id"])

    def test_list(self, fake: FakeOpenAI, finished: str) -> None:
        """Jobs list shows the job with its status and model."""
        result = _invoke(fake, "jobs", "list")

        assert finished in result.stdout
        assert "succeeded" in result.stdout

    def test_status_defaults_to_the_recorded_job(self, fake: FakeOpenAI, finished: str) -> None:
        """Jobs status without JOB shows the state file's job and its checkpoints."""
        result = _invoke(fake, "jobs", "status")

        assert 0 == result.exit_code, result.output
        assert finished in result.stdout
        assert "checkpoint step" in result.stdout

    def test_events_oldest_first(self, fake: FakeOpenAI, finished: str) -> None:
        """Jobs events lists the newest events in the order they happened."""
        result = _invoke(fake, "jobs", "events", finished, "--limit", "2")

        assert 0 == result.exit_code
        assert result.stdout.index("New fine-tuned model") < result.stdout.index(
            "successfully completed"
        )

    def test_cancel_pause_resume(self, fake: FakeOpenAI, workdir: Path) -> None:
        """cancel, pause and resume act on the given job and print its new status."""
        training = fake.service.upload(
            filename="t.jsonl",
            content=(workdir / "train.jsonl").read_bytes(),
            purpose="fine-tune",
        )
        fake.service.retrieve_file(training["id"])
        job = fake.service.create_job({"model": "gpt-4o-mini", "training_file": training["id"]})
        fake.advance(job["id"], steps=2)

        outputs = [
            _invoke(fake, "jobs", action, job["id"]).stdout
            for action in ("pause", "resume", "cancel")
        ]

        assert ["paused", "queued", "cancelled"] == [o.split()[1] for o in outputs]

    def test_refused_action_is_an_error(self, fake: FakeOpenAI, finished: str) -> None:
        """Cancelling a finished job exits 1 with the service's message."""
        result = _invoke(fake, "jobs", "cancel", finished)

        assert 1 == result.exit_code
        assert "cannot be cancelled" in result.stderr

    def test_no_job_anywhere(self, fake: FakeOpenAI, workdir: Path) -> None:
        """Without JOB and without a state file the command says what is missing."""
        result = _invoke(fake, "jobs", "status")

        assert 2 == result.exit_code
        assert "no job recorded" in result.stderr


@define
class RecordingLoraTuner:
    """Stands in for LoraFineTuner: records how the command built and ran it."""

    model: str
    output_dir: Path
    settings: LoraSettings
    created: ClassVar[list[RecordingLoraTuner]] = []
    calls: list[str] = field(factory=list)

    def __attrs_post_init__(self) -> None:
        RecordingLoraTuner.created.append(self)

    def prepare(self, training_file: Path, *, validation_file: Path | None = None) -> TuningPlan:
        self.calls.append(f"prepare {training_file.name} {validation_file}")
        return TuningPlan(
            training_file=training_file, model=self.model, examples=12, trained_tokens=99, epochs=1
        )

    def start(self, plan: TuningPlan) -> str:
        self.calls.append("start")
        return "run-1"

    def follow(self, job_id: str, *, on_progress: ProgressCallback | None = None) -> TuningResult:
        self.calls.append(f"follow {job_id}")
        return TuningResult(job_id=job_id, status=JobStatus.SUCCEEDED, adapter_path=self.output_dir)


class TestLoraBackend:
    @pytest.fixture(autouse=True)
    def _recording(self, monkeypatch: pytest.MonkeyPatch) -> None:
        RecordingLoraTuner.created.clear()
        monkeypatch.setattr(lora, "LoraFineTuner", RecordingLoraTuner)

    def test_trains_an_adapter_and_prints_its_folder_last(self, workdir: Path) -> None:
        """--backend lora runs the LoRA fine-tuner with the shared options; the folder is last."""
        result = CliRunner().invoke(
            main,
            [
                "finetune",
                "train.jsonl",
                "--backend",
                "lora",
                "--model",
                "tiny",
                "-o",
                "adapter",
                "--epochs",
                "2",
                "--batch-size",
                "8",
                "--seed",
                "5",
            ],
        )

        assert 0 == result.exit_code, result.output
        assert "adapter" == result.stdout.splitlines()[-1]
        (tuner,) = RecordingLoraTuner.created
        assert ("tiny", Path("adapter")) == (tuner.model, tuner.output_dir)
        assert (2, 8, 5) == (tuner.settings.epochs, tuner.settings.batch_size, tuner.settings.seed)
        assert ["prepare train.jsonl None", "start", "follow run-1"] == tuner.calls
        assert not (workdir / ".persona-clone").exists()

    def test_dry_run_only_prepares(self, workdir: Path) -> None:
        """--dry-run checks the dataset and trains nothing."""
        args = ["finetune", "train.jsonl", "--backend", "lora", "--model", "m", "-o", "a"]

        result = CliRunner().invoke(main, [*args, "--dry-run"])

        assert 0 == result.exit_code, result.output
        assert ["prepare train.jsonl None"] == RecordingLoraTuner.created[0].calls

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--backend", "lora"], "--backend lora needs -o/--output"),
            (["--backend", "lora", "-o", "a", "--suffix", "s"], "--suffix: OpenAI backend only"),
            (["--backend", "lora", "-o", "a", "--max-cost", "1"], "--max-cost: OpenAI backend"),
            (["-o", "a"], "-o/--output is for --backend lora"),
        ],
    )
    def test_options_of_the_other_backend_are_refused(
        self, workdir: Path, args: list[str], message: str
    ) -> None:
        """An option the chosen backend would ignore is a usage error, not silently dropped."""
        result = CliRunner().invoke(main, ["finetune", "train.jsonl", "--model", "m", *args])

        assert 2 == result.exit_code
        assert message in result.stderr
        assert [] == RecordingLoraTuner.created
