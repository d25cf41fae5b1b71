"""Business-hours arithmetic: weekends, holidays, daylight saving, the paused clock."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.desk import sla

AMS = ZoneInfo("Europe/Amsterdam")
CFG = {"BUSINESS_HOURS": [9, 17], "BUSINESS_DAYS": [0, 1, 2, 3, 4], "HOLIDAYS": ["2026-12-25"],
       "TIMEZONE": "Europe/Amsterdam", "SLA_HOURS": {"urgent": [4, 16], "high": [8, 40],
                                                     "normal": [16, 80], "low": [24, 160]},
       "SLA_AT_RISK_FRACTION": 0.75}
H = 3600


def ams(*args):
    return datetime(*args, tzinfo=AMS)


def test_within_one_day():
    assert sla.add_business_seconds(ams(2026, 3, 2, 10), 2 * H, CFG) == ams(2026, 3, 2, 12)


def test_friday_afternoon_rolls_over_the_weekend():
    # Friday 16:00 + 2h = Monday 10:00
    assert sla.add_business_seconds(ams(2026, 3, 6, 16), 2 * H, CFG) == ams(2026, 3, 9, 10)
    assert sla.business_seconds_between(ams(2026, 3, 6, 16), ams(2026, 3, 9, 10), CFG) == 2 * H


def test_start_outside_business_hours_snaps_to_next_morning():
    assert sla.add_business_seconds(ams(2026, 3, 7, 12), 1 * H, CFG) == ams(2026, 3, 9, 10)  # Saturday
    assert sla.add_business_seconds(ams(2026, 3, 2, 20), 1 * H, CFG) == ams(2026, 3, 3, 10)  # evening
    assert sla.business_seconds_between(ams(2026, 3, 7, 0), ams(2026, 3, 8, 23), CFG) == 0


def test_holidays_have_no_business_hours():
    # Thursday 24 Dec 16:00 + 2h skips Christmas (Friday) and the weekend
    assert sla.add_business_seconds(ams(2026, 12, 24, 16), 2 * H, CFG) == ams(2026, 12, 28, 10)


def test_daylight_saving_transitions_keep_local_business_hours():
    # Summer time starts Sunday 29 March 2026: Friday 16:00 CET + 2h = Monday 10:00 CEST
    due = sla.add_business_seconds(ams(2026, 3, 27, 16), 2 * H, CFG)
    assert due == ams(2026, 3, 30, 10)
    assert due.astimezone(timezone.utc).hour == 8  # CEST is UTC+2
    # Winter time starts Sunday 25 October 2026
    due = sla.add_business_seconds(ams(2026, 10, 23, 16), 2 * H, CFG)
    assert due.astimezone(timezone.utc) == datetime(2026, 10, 26, 9, tzinfo=timezone.utc)
    assert sla.business_seconds_between(ams(2026, 3, 27, 9), ams(2026, 3, 30, 17), CFG) == 16 * H


def test_negative_seconds_go_back_in_business_time():
    assert sla.add_business_seconds(ams(2026, 3, 9, 10), -2 * H, CFG) == ams(2026, 3, 6, 16)


def test_between_is_inverse_of_add():
    start = ams(2026, 3, 4, 11, 17)
    for seconds in (1, 3 * H, 8 * H, 40 * H, 160 * H + 123):
        end = sla.add_business_seconds(start, seconds, CFG)
        assert sla.business_seconds_between(start, end, CFG) == seconds
        assert sla.business_seconds_between(end, start, CFG) == -seconds


def test_dues_per_priority_and_at_risk_fraction():
    dues = sla.initial_dues(ams(2026, 3, 2, 9), "urgent", CFG)
    assert dues["response_due_at"] == ams(2026, 3, 2, 13)
    assert dues["response_risk_at"] == ams(2026, 3, 2, 12)  # 75% of 4h
    assert dues["resolve_due_at"] == ams(2026, 3, 3, 17)  # 16 business hours


def test_pause_and_resume_moves_the_due_by_the_waiting_time():
    created = ams(2026, 3, 2, 9)
    dues = sla.initial_dues(created, "normal", CFG)  # resolve due after 80h = 10 days
    paused_at = ams(2026, 3, 3, 9)  # after 8 business hours
    remaining = sla.remaining_at(dues, paused_at, CFG)
    assert remaining["resolve_due_at"] == 72 * H
    resumed = sla.resumed_dues(remaining, ams(2026, 3, 10, 9), CFG)  # a week later
    assert resumed["resolve_due_at"] == sla.add_business_seconds(ams(2026, 3, 10, 9), 72 * H, CFG)
    assert resumed["resolve_due_at"] > dues["resolve_due_at"]


def test_priority_change_counts_elapsed_time_against_new_target():
    left = {"response_due_at": 10 * H}  # normal: 16h target, 6h used
    assert sla.reprioritised_remaining(left, "normal", "urgent", CFG)["response_due_at"] == -2 * H


def test_state_flags_overdue_and_at_risk_only_while_running():
    base = {"first_response_at": None, "response_due_at": "2026-03-02T12:00:00+00:00",
            "response_risk_at": "2026-03-02T11:00:00+00:00",
            "resolve_due_at": "2026-03-20T12:00:00+00:00", "resolve_risk_at": "2026-03-18T12:00:00+00:00"}
    late = datetime(2026, 3, 2, 12, 30, tzinfo=timezone.utc)
    risky = datetime(2026, 3, 2, 11, 30, tzinfo=timezone.utc)
    assert sla.state({**base, "status": "new"}, late, CFG)["overdue"]
    assert not sla.state({**base, "status": "waiting"}, late, CFG)["overdue"]
    state = sla.state({**base, "status": "in_progress"}, risky, CFG)
    assert state["at_risk"] and not state["overdue"]
    answered = sla.state({**base, "status": "in_progress", "first_response_at": "x"}, late, CFG)
    assert not answered["overdue"] and answered["kind"] == "resolution"


def test_calendar_without_business_days_is_an_error():
    with pytest.raises(ValueError):
        sla.add_business_seconds(ams(2026, 3, 2, 9), H, {**CFG, "BUSINESS_DAYS": []})
