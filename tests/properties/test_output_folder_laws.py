"""Laws of OutputFolder: the output holds one whole build, the old one or the new one."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from persona_clone.dataset import DATASET_FILES, OutputFolder


_FILES = st.dictionaries(
    st.sampled_from(sorted(DATASET_FILES)), st.binary(max_size=20), min_size=1, max_size=4
)


class _StopError(Exception):
    """Stands for anything that stops a build part-way."""


def _contents(folder: Path) -> dict[str, bytes] | None:
    if not folder.exists():
        return None
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def _build(out: Path, files: dict[str, bytes], stop_after: int | None) -> None:
    """Write *files* through an OutputFolder, stopping before file *stop_after*."""
    with OutputFolder(out) as staging:
        for number, (name, data) in enumerate(files.items()):
            if number == stop_after:
                raise _StopError
            (staging / name).write_bytes(data)


class TestWholeOrNothing:
    @given(
        old=st.none() | _FILES,
        new=_FILES,
        fail_after=st.none() | st.integers(min_value=0, max_value=4),
    )
    def test_the_output_holds_the_old_build_or_the_new_one(
        self, old: dict[str, bytes] | None, new: dict[str, bytes], fail_after: int | None
    ) -> None:
        """A build that stops after any number of files leaves exactly the old set."""
        with tempfile.TemporaryDirectory() as scratch:
            out = Path(scratch) / "out"
            if old is not None:
                out.mkdir()
                for name, data in old.items():
                    (out / name).write_bytes(data)
            fails = fail_after is not None and fail_after < len(new)
            with contextlib.suppress(_StopError):
                _build(out, new, fail_after)

            left = [] if fails and old is None else [out.name]
            assert (old if fails else new) == _contents(out)
            assert left == [path.name for path in Path(scratch).iterdir()]
