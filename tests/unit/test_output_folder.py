"""Tests for output_folder.py: OutputFolder."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import pytest

from persona_clone import OutputError
from persona_clone.dataset import OutputFolder
from persona_clone.testing import FakeClock


def previous_dataset(folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True)
    files = {"train.jsonl": '{"old": 1}\n', "validation.jsonl": '{"old": 2}\n', "report.txt": "ok"}
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return files


def contents(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(folder.iterdir())}


def siblings(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.parent.iterdir() if path != folder)


class TestCommit:
    def test_a_new_folder_appears_whole(self, tmp_path: Path) -> None:
        """The staging folder becomes the output; nothing is left beside it."""
        out = tmp_path / "out"

        with OutputFolder(out) as staging:
            (staging / "train.jsonl").write_text("{}\n", encoding="utf-8")
            assert not out.exists()

        assert {"train.jsonl": "{}\n"} == contents(out)
        assert [] == siblings(out)

    @pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
    def test_the_folder_is_private(self, tmp_path: Path) -> None:
        """The dataset holds other people's messages: only its owner may read it."""
        out = tmp_path / "out"

        with OutputFolder(out):
            pass

        assert 0o700 == out.stat().st_mode & 0o777

    def test_a_rebuild_holds_only_its_own_files(self, tmp_path: Path) -> None:
        """Files of the previous build that this one did not write are gone."""
        out = tmp_path / "out"
        previous_dataset(out)

        with OutputFolder(out) as staging:
            (staging / "train.jsonl").write_text("{}\n", encoding="utf-8")

        assert {"train.jsonl": "{}\n"} == contents(out)
        assert [] == siblings(out)


class TestFailure:
    def test_an_error_leaves_the_previous_dataset(self, tmp_path: Path) -> None:
        """An exception inside discards the staging folder; the old files stay."""
        out = tmp_path / "out"
        files = previous_dataset(out)

        def fail() -> None:
            with OutputFolder(out) as staging:
                (staging / "train.jsonl").write_text("half", encoding="utf-8")
                raise RuntimeError

        with pytest.raises(RuntimeError):
            fail()

        assert files == contents(out)
        assert [] == siblings(out)

    def test_ctrl_c_leaves_nothing_when_there_was_nothing(self, tmp_path: Path) -> None:
        """An interrupted first build leaves no output folder at all."""
        out = tmp_path / "out"

        def interrupted() -> None:
            with OutputFolder(out) as staging:
                (staging / "train.jsonl").write_text("half", encoding="utf-8")
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            interrupted()

        assert [] == sorted(tmp_path.iterdir())

    @pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
    def test_a_full_disk_names_the_folder(self, tmp_path: Path) -> None:
        """Writing to a full device is an OutputError naming the output; the old files stay."""
        out = tmp_path / "out"
        files = previous_dataset(out)

        def write() -> None:
            with OutputFolder(out) as staging:
                (staging / "train.jsonl").symlink_to("/dev/full")
                with (staging / "train.jsonl").open("w", encoding="utf-8") as handle:
                    handle.write("{}\n" * 10_000)

        with pytest.raises(OutputError, match="out: no space left") as caught:
            write()

        assert str(out) in str(caught.value)
        assert files == contents(out)
        assert [] == siblings(out)

    def test_what_a_killed_build_left_is_cleaned_up(self, tmp_path: Path) -> None:
        """A staging folder of a killed build is removed by the next build."""
        out = tmp_path / "out"
        (tmp_path / ".out.building-x1").mkdir()
        (tmp_path / ".out.building-x1" / "train.jsonl").write_text("half", encoding="utf-8")

        with OutputFolder(out) as staging:
            (staging / "train.jsonl").write_text("{}\n", encoding="utf-8")

        assert [] == siblings(out)

    def test_a_swap_cut_in_the_middle_is_undone(self, tmp_path: Path) -> None:
        """A previous dataset moved aside by a killed commit comes back before anything else."""
        out = tmp_path / "out"
        files = previous_dataset(tmp_path / ".out.previous-x1")

        with pytest.raises(RuntimeError), OutputFolder(out):
            raise RuntimeError

        assert files == contents(out)


class TestRefusals:
    def test_a_second_build_is_refused_while_the_first_runs(self, tmp_path: Path) -> None:
        """The lock names the build that holds it; the first build is unharmed."""
        out = tmp_path / "out"
        clock = FakeClock()

        with OutputFolder(out, clock=clock) as staging:
            with pytest.raises(OutputError, match="another build is writing") as caught:
                OutputFolder(out).__enter__()
            (staging / "train.jsonl").write_text("{}\n", encoding="utf-8")

        assert f"process {os.getpid()}" in str(caught.value)
        assert clock.now().isoformat() in str(caught.value)
        assert {"train.jsonl": "{}\n"} == contents(out)

    def test_the_lock_is_free_after_a_build(self, tmp_path: Path) -> None:
        """Builds one after the other both succeed."""
        out = tmp_path / "out"
        for _ in range(2):
            with OutputFolder(out) as staging:
                (staging / "train.jsonl").write_text("{}\n", encoding="utf-8")

        assert [] == siblings(out)

    @pytest.mark.parametrize("inside", ["out", "out/chat.txt"])
    def test_an_export_in_the_output_is_refused(self, tmp_path: Path, inside: str) -> None:
        """The output may not be an export or hold one: the build would replace it."""
        out = tmp_path / "out"
        out.mkdir()
        (out / "chat.txt").write_text("x", encoding="utf-8")

        with pytest.raises(OutputError, match="apart from the exports"):
            OutputFolder(out, inputs=[tmp_path / inside]).__enter__()

        assert ["chat.txt"] == [path.name for path in out.iterdir()]

    def test_an_output_inside_an_export_folder_is_refused(self, tmp_path: Path) -> None:
        """An output inside a Slack export folder would be read as part of it."""
        (tmp_path / "slack").mkdir()

        with pytest.raises(OutputError, match="outside the export folder"):
            OutputFolder(tmp_path / "slack" / "out", inputs=[tmp_path / "slack"]).__enter__()

    def test_a_folder_of_other_files_is_not_replaced(self, tmp_path: Path) -> None:
        """A folder holding files a build does not write is refused, not wiped."""
        (tmp_path / "thesis.tex").write_text("years of work", encoding="utf-8")

        with pytest.raises(OutputError, match=r"'thesis\.tex'"):
            OutputFolder(tmp_path).__enter__()

        assert "years of work" == (tmp_path / "thesis.tex").read_text(encoding="utf-8")
        assert not OutputFolder(tmp_path).lock_path.exists()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file locks")
class TestLockFile:
    def test_the_lock_file_is_removed(self, tmp_path: Path) -> None:
        """After a build, no lock file is left beside the output."""
        folder = OutputFolder(tmp_path / "out")

        with folder:
            assert folder.lock_path.exists()

        assert not folder.lock_path.exists()


class TestPaths:
    def test_the_current_folder_is_replaced_as_a_named_folder(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Output "." works on the folder's real name, its lock and staging folder beside it."""
        out = tmp_path / "out"
        out.mkdir()
        monkeypatch.chdir(out)

        with OutputFolder(".") as staging:
            (staging / "train.jsonl").write_text("{}\n", encoding="utf-8")

        assert {"train.jsonl": "{}\n"} == contents(out)
        assert [] == siblings(out)


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signals")
class TestSignalsDuringTheSwap:
    def test_ctrl_c_in_the_middle_of_the_swap_waits_for_its_end(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """An interrupt between the two renames is delivered once the swap is complete."""
        out = tmp_path / "out"
        previous_dataset(out)
        renames: list[Path] = []
        rename = Path.rename

        def rename_then_interrupt(self: Path, target: str | os.PathLike[str]) -> Path:
            moved = rename(self, target)
            renames.append(Path(target))
            if len(renames) == 1:  # the previous folder is aside, the new one not in place
                os.kill(os.getpid(), signal.SIGINT)
            return moved

        monkeypatch.setattr(Path, "rename", rename_then_interrupt)
        folder = OutputFolder(out)

        with pytest.raises(KeyboardInterrupt), folder as staging:
            (staging / "train.jsonl").write_text("{}\n", encoding="utf-8")

        assert folder.committed
        assert {"train.jsonl": "{}\n"} == contents(out)
        assert [] == siblings(out)  # no previous folder, no staging folder, no lock left
