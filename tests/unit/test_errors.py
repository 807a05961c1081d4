"""Tests for persona_clone.errors."""

from __future__ import annotations

import pickle

import pytest

from persona_clone import errors


class TestErrors:
    @pytest.mark.parametrize(
        "error",
        [
            errors.ParseError("chat.txt:3", "a header", "'x'"),
            errors.UnknownFormatError("x.bin", [("whatsapp", 0.0)]),
            errors.AmbiguousFormatError("x.json", [("a", 0.5), ("b", 0.5)]),
            errors.OutOfOrderError("m2", "chat.txt:9", "later"),
            errors.DatasetError(["train.jsonl:1: bad"]),
            errors.FineTuneError("job failed", "invalid_file"),
        ],
    )
    def test_errors_pickle(self, error: Exception) -> None:
        """Every structured error survives pickling with its message."""
        back = pickle.loads(pickle.dumps(error))  # noqa: S301

        assert (type(error), str(error)) == (type(back), str(back))

    def test_parse_error_grammar(self) -> None:
        """ParseError reads '<where>: expected <what>, found <excerpt>'."""
        assert "chat.txt:3: expected a header, found 'x'" == str(
            errors.ParseError("chat.txt:3", "a header", "'x'")
        )

    def test_unknown_format_lists_scores(self) -> None:
        """UnknownFormatError names every parser tried with its score."""
        error = errors.UnknownFormatError("x.bin", [("whatsapp", 0.0), ("slack", 0.0)])

        assert "whatsapp=0.00, slack=0.00" in str(error)

    def test_dataset_error_shows_first_problems(self) -> None:
        """DatasetError lists the first problems and counts the rest."""
        error = errors.DatasetError([f"f:{i}: bad" for i in range(8)])

        assert str(error).endswith("… and 3 more problems")

    @pytest.mark.parametrize(
        ("cls", "builtin"),
        [
            (errors.ParseError, ValueError),
            (errors.DatasetError, ValueError),
            (errors.ConfigError, ValueError),
            (errors.PluginError, ImportError),
            (errors.FineTuneError, RuntimeError),
            (errors.NaiveTimestampError, ValueError),
        ],
    )
    def test_errors_are_builtins_too(self, cls: type[Exception], builtin: type[Exception]) -> None:
        """Each error is also the built-in exception that fits, and a PersonaCloneError."""
        assert issubclass(cls, builtin)
        assert issubclass(cls, errors.PersonaCloneError)

    def test_excerpt_cuts_and_shows_invisibles(self) -> None:
        """Excerpts are short and make invisible characters visible."""
        assert "'\\u200eabc'" == errors.excerpt("\u200eabc")
        assert len(errors.excerpt("x" * 500)) < 50
