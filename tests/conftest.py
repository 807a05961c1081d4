"""Shared test configuration: Hypothesis profiles, network guard, shared fixtures."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings


# The machines this suite runs on (laptops, CI runners, shared hosts) may be slow
# and busy, and coverage slows generation further: no profile fails on speed.
# Deadlines and too_slow stay off everywhere; the other health checks stay on.
settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "fast", max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
PEERS = SHARED / "fixtures" / "peers"


@pytest.fixture(name="peers")
def _peers() -> Path:
    """The peer samples read in place from ../shared (skipped where absent)."""
    if not PEERS.is_dir():
        pytest.skip("../shared/fixtures/peers is absent (it ships beside the repository in CI)")
    return PEERS


@pytest.fixture(autouse=True)
def _no_openai_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the developer's OPENAI_* settings out of every test."""
    for name in list(os.environ):
        if name.startswith("OPENAI_"):
            monkeypatch.delenv(name)


_real_connect = socket.socket.connect
_LOOPBACK = ("localhost", "::1")


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else address
    inet = self.family in (socket.AF_INET, socket.AF_INET6)
    if inet and isinstance(host, str) and not host.startswith("127.") and host not in _LOOPBACK:
        msg = f"tests may only reach 127.0.0.1, not {host!r}"
        raise OSError(msg)
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Refuse network connections beyond the loopback address."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
