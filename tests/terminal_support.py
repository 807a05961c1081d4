"""A program driven in a real terminal: a detached tmux session, typed into and read."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import pytest

import persona_clone


def require_tmux(program: str) -> None:
    """Skip the test when tmux is missing, saying that *program* needs a terminal."""
    if shutil.which("tmux") is None:
        pytest.skip(f"tmux is not installed (apt-get install tmux): {program} needs a terminal")


class Terminal:
    """*command* in a detached tmux session (this checkout's package on its path)."""

    def __init__(
        self,
        command: list[str],
        *,
        cwd: Path,
        environment: dict[str, str] | None = None,
        width: int = 100,
    ) -> None:
        self.name = f"pc-{uuid.uuid4().hex[:8]}"
        source = Path(persona_clone.__file__).resolve().parents[1]
        settings = {"PYTHONPATH": str(source), **(environment or {})}
        env = " ".join(f"{key}={shlex.quote(value)}" for key, value in settings.items())
        shell = f"{env} {shlex.join(command)}; echo EXIT=$?; sleep 60"
        subprocess.run(
            ["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", "30",
             "-c", str(cwd), shell],
            check=True,
        )  # fmt: skip

    def screen(self) -> str:
        """The visible text of the terminal."""
        return subprocess.run(
            ["tmux", "capture-pane", "-p", "-t", self.name],
            check=True,
            capture_output=True,
            text=True,
        ).stdout

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        """Wait until *text* is on the screen; return the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            if time.monotonic() > deadline:
                pytest.fail(f"{text!r} never appeared; the screen was:\n{screen}")
            threading.Event().wait(0.1)

    def type(self, *keys: str) -> None:
        """Type *keys* (tmux key names such as ``Enter`` and ``C-d`` included)."""
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def close(self) -> None:
        """End the tmux session."""
        subprocess.run(["tmux", "kill-session", "-t", self.name], check=False)
