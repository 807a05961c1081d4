"""Tests of the base-model retirement warnings."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from persona_clone.finetune.retirements import NEAR, SELF_SERVE_END, retirement_warnings


class TestRetirementWarnings:
    def test_far_from_any_date_no_warning(self) -> None:
        """Months before every date there is nothing to warn about."""
        assert () == retirement_warnings("gpt-4o-mini-2024-07-18", dt.date(2026, 1, 1))

    def test_snapshot_near_shutdown(self) -> None:
        """A snapshot near its shutdown gets the end of self-serve and its own date."""
        warnings = retirement_warnings("gpt-4.1-mini-2025-04-14", dt.date(2026, 12, 1))

        assert 2 == len(warnings)
        assert "2027-01-14 (44 days from now)" in warnings[1]
        assert "gpt-4.1-mini" in warnings[1]

    def test_fine_tuned_model_uses_its_base(self) -> None:
        """Continuing from an ft: model warns about its base model."""
        warnings = retirement_warnings("ft:gpt-4o-2024-08-06:org:ali:abc", dt.date(2027, 2, 1))

        assert any("gpt-4o-2024-08-06" in w and "since 2027-01-14" in w for w in warnings)

    def test_mini_is_not_matched_as_the_big_model(self) -> None:
        """gpt-4o-mini is reported as GPT-4o mini, not as GPT-4o."""
        warnings = retirement_warnings("gpt-4o-mini", dt.date(2027, 1, 10))

        assert "GPT-4o mini" in warnings[-1]

    def test_unlisted_model_only_gets_the_general_end(self) -> None:
        """A model without its own date still gets the end of self-serve fine-tuning."""
        warnings = retirement_warnings("gpt-3.5-turbo-0125", dt.date(2027, 3, 1))

        assert 1 == len(warnings)
        assert "stopped" in warnings[0]

    @given(st.dates(max_value=SELF_SERVE_END - NEAR - dt.timedelta(days=1)))
    def test_quiet_before_the_window(self, today: dt.date) -> None:
        """Before the warning window of every date, no model gets a warning."""
        assert () == retirement_warnings("gpt-4.1-2025-04-14", today)

    @given(st.dates(min_value=SELF_SERVE_END))
    def test_always_warns_after_the_end(self, today: dt.date) -> None:
        """After self-serve fine-tuning ended, every model gets a warning."""
        assert [] != list(retirement_warnings("davinci-002", today))
