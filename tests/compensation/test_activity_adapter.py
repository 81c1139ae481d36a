"""Evidence beside time logs comes from the adapter named by settings.COMPENSATION_ADAPTER."""

import datetime

from django.utils import timezone

from accessprogram.compensation.activity import activity_for, count_in_windows
from accessprogram.compensation.adapter import DefaultCompensationAdapter, get_adapter
from accessprogram.compensation.models import TimeLog
from accessprogram.console.activity import ConsoleCompensationAdapter
from factories import GenerationFactory


def _broken(sessions):
    raise RuntimeError("the feedback database is down")


def _time_logs_in(sessions):
    return count_in_windows(TimeLog, "started_at", sessions, owner={"membership_id": "pk"})


class FlakyAdapter(DefaultCompensationAdapter):
    def activity_counters(self):
        return {"Broken": _broken, "Sessions logged": _time_logs_in}


def session(tester) -> TimeLog:
    started = timezone.now() - datetime.timedelta(hours=3)
    return TimeLog.objects.create(
        membership=tester, started_at=started, minutes=60, description="Prompts"
    )


def test_the_project_uses_the_console_adapter():
    assert type(get_adapter()) is ConsoleCompensationAdapter


def test_the_console_adapter_counts_generations_in_the_session(program, tester):
    time_log = session(tester)
    GenerationFactory(
        tester=tester.user,
        program=program,
        created_at=time_log.started_at + datetime.timedelta(minutes=5),
    )
    activity = {a.label: a.count for a in activity_for(time_log)}
    assert activity == {
        "Generations made": 1,
        "Feedback forms answered": 0,
        "Outputs rated": 0,
        "Bug reports filed": 0,
    }


def test_the_default_adapter_shows_no_activity(settings, tester):
    settings.COMPENSATION_ADAPTER = "accessprogram.compensation.adapter.DefaultCompensationAdapter"
    assert activity_for(session(tester)) == []


def test_a_failing_counter_is_left_out_and_the_others_shown(settings, tester, caplog):
    settings.COMPENSATION_ADAPTER = f"{__name__}.FlakyAdapter"
    activity = activity_for(session(tester))
    assert [(a.label, a.count) for a in activity] == [("Sessions logged", 1)]
    assert "activity counter 'Broken' failed" in caplog.text
