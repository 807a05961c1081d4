"""Automation: ``nox`` runs lint, mypy, tests and docs; ``nox -s bench`` the benchmarks."""

from __future__ import annotations

import os

import nox


nox.needs_version = ">=2025.2.9"
nox.options.default_venv_backend = "virtualenv"
# CI must test every supported Python; a developer's machine runs those it has.
nox.options.error_on_missing_interpreters = bool(os.environ.get("CI"))
nox.options.sessions = ["lint", "mypy", "tests", "docs"]

PYPROJECT = nox.project.load_toml("pyproject.toml")
PYTHONS = nox.project.python_versions(PYPROJECT)
OLDEST, NEWEST = PYTHONS[0], PYTHONS[-1]
TESTED_EXTRAS = (".[testing,discord,telegram,review]",)
"""
The package with the extras the suite tests (the bots run end to end against fakes,
the review screen in tmux).
"""


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the test suite against the installed (non-editable) package, under coverage."""
    session.install(*TESTED_EXTRAS, *nox.project.dependency_groups(PYPROJECT, "tests"))
    session.run(
        "coverage",
        "run",
        "-m",
        "pytest",
        *session.posargs,
        env={"HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "ci")},
    )


@nox.session(python=NEWEST)
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    session.install(*nox.project.dependency_groups(PYPROJECT, "lint"))
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "benchmarks", "noxfile.py")


@nox.session(python=[OLDEST, NEWEST])
def mypy(session: nox.Session) -> None:
    """Type-check src, tests and this file with mypy --strict."""
    session.install("-e", *TESTED_EXTRAS, *nox.project.dependency_groups(PYPROJECT, "typing"))
    session.run("mypy")


@nox.session(python=NEWEST)
def docs(session: nox.Session) -> None:
    """Run every example in the Markdown docs, the README and the docstrings as a doctest."""
    session.install(*TESTED_EXTRAS, *nox.project.dependency_groups(PYPROJECT, "tests"))
    session.run(
        "pytest",
        "--doctest-glob=*.md",
        "-p",
        "no:cacheprovider",
        "docs",
        "README.md",
        "--import-mode=importlib",
        "-o",
        "testpaths=",
    )
    # the code the docs tell users to copy type-checks with mypy --strict against the
    # installed package, as in a user's project
    session.install("mypy>=1.13")
    session.run(
        "pytest",
        "tests/unit/test_docs_code.py",
        "-p",
        "no:cacheprovider",
        env={"HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "ci")},
    )
    # the installed package's docstrings (optional extras' modules skip themselves)
    session.run(
        "pytest",
        "--doctest-modules",
        "--pyargs",
        "persona_clone",
        "-p",
        "no:cacheprovider",
        "-o",
        "testpaths=",
    )


LORA_PYTHON = "3.11"
LORA_TORCH = "torch==2.13.0"
"""Its CPU build lies on the CI machines' disk; a plain ``torch`` would pull CUDA."""


@nox.session(python=LORA_PYTHON, default=False)
def lora(session: nox.Session) -> None:
    """Run the local LoRA training tests (CPU torch, the ``lora`` extra)."""
    session.install(LORA_TORCH)
    session.install(
        ".[lora,testing]",
        *nox.project.dependency_groups(PYPROJECT, "tests"),
        LORA_TORCH,  # keeps the resolver on the installed build
    )
    session.run(
        "pytest",
        "-m",
        "lora",
        "-p",
        "no:cacheprovider",
        *session.posargs,
        env={
            "HYPOTHESIS_PROFILE": os.environ.get("HYPOTHESIS_PROFILE", "ci"),
            "HF_HUB_OFFLINE": "1",  # the tests build their model; nothing is downloaded
        },
    )


@nox.session(python=NEWEST, default=False)
def bench(session: nox.Session) -> None:
    """Measure speed and memory against the reference floors (prints ratios)."""
    # orjson for the Discord floor; whatstk, the most used WhatsApp parser, to compare with;
    # the testing extra (Hypothesis) for the strategies' generation cost
    session.install(".[testing]", "orjson", "whatstk==0.9.1")
    session.run("python", "benchmarks/run.py", *session.posargs)
