"""Laws of following a job: every event is reported exactly once, in order."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from helpers_http import Request, Response, mock_openai
from persona_clone.finetune import Progress
from persona_clone.finetune.openai_backend import OpenAIFineTuner
from persona_clone.testing import FakeClock
from persona_clone.testing.fake_openai.params import page


def _event(number: int) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job.event",
        "id": f"ftevent-{number}",
        "created_at": number,
        "level": "info",
        "message": f"event {number}",
        "type": "message",
        "data": {},
    }


def _job(status: str) -> dict[str, Any]:
    return {
        "object": "fine_tuning.job",
        "id": "ftjob-1",
        "model": "gpt-4o-mini-2024-07-18",
        "created_at": 0,
        "organization_id": "org",
        "result_files": [],
        "status": status,
        "training_file": "file-1",
        "hyperparameters": {},
        "seed": 1,
        "error": None,
    }


_scenario: list[Any] = []


def _dispatch(request: Request) -> Response:
    handler: Any = _scenario[0]
    response: Response = handler(request)
    return response


_CLIENT = mock_openai(_dispatch)
"""One client for every example (building one per example is slow)."""


class TestFollowLaws:
    @given(
        arrivals=st.lists(st.integers(0, 6), min_size=1, max_size=8),
        page_size=st.integers(1, 7),
    )
    def test_each_event_once_in_order(self, arrivals: list[int], page_size: int) -> None:
        """Whatever the arrivals and page size, each event is reported once in order."""
        total = sum(arrivals)
        visible = [0]
        polls = iter(arrivals)

        def handler(request: Request) -> Response:
            path = request.url.path
            if path.endswith("/checkpoints"):
                return Response(200, json=page([], after=None, limit=10))
            if path.endswith("/events"):
                newest_first = [_event(n) for n in range(visible[0], 0, -1)]
                query = dict(request.url.params)
                return Response(
                    200,
                    json=page(
                        newest_first,
                        after=query.get("after"),
                        limit=int(query["limit"]),
                    ),
                )
            arrived = next(polls, None)
            if arrived is not None:
                visible[0] += arrived
            return Response(200, json=_job("running" if arrived is not None else "succeeded"))

        clock = FakeClock()
        _scenario[:] = [handler]
        tuner = OpenAIFineTuner(
            client=_CLIENT,
            clock=clock,
            sleep=clock.sleep,
            event_page_size=page_size,
        )
        seen: list[Progress] = []

        tuner.follow("ftjob-1", on_progress=seen.append)

        reported = [p.message for p in seen if p.message.startswith("event")]
        assert [f"event {n}" for n in range(1, total + 1)] == reported


class TestPages:
    @given(size=st.integers(0, 30), limit=st.integers(1, 10))
    def test_walking_pages_visits_each_item_once(self, size: int, limit: int) -> None:
        """Following after= from page to page yields every item once, in list order."""
        items = [{"id": f"x{n}"} for n in range(size)]
        walked: list[dict[str, Any]] = []
        after = None
        while True:
            current = page(items, after=after, limit=limit)
            walked += current["data"]
            if not current["has_more"]:
                break
            after = current["data"][-1]["id"]

        assert items == walked
