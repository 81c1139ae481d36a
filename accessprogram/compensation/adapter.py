"""Hooks compensation needs from the layers above it, in the manner of django-allauth's adapter.

Compensation sits below generation and feedback (they award money through it), so it cannot
count their rows itself. Where it needs them, evidence of platform activity beside a time log,
it asks the adapter named by settings.COMPENSATION_ADAPTER; the console's subclass answers. The
default adapter knows of no activity, so compensation works (and is tested) on its own.
"""

import datetime
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from accessprogram.programs.models import Membership

Window = tuple[datetime.datetime, datetime.datetime]
# A tester's session: whose, and when [start, end).
Session = tuple[Membership, Window]
# sessions -> for each session, the count of things its tester did in its window; one query for
# all of them (see activity.count_in_windows), so a page of sessions, of one tester or of many,
# costs one query a counter.
ActivityCounter = Callable[[list[Session]], list[int]]


class DefaultCompensationAdapter:
    """Subclass and name it in settings.COMPENSATION_ADAPTER to change a hook."""

    def activity_counters(self) -> dict[str, ActivityCounter]:
        """Counters shown beside a time log, by label ("Generations made"), in display order."""
        return {}


@cache
def _adapter_class(path: str) -> type[DefaultCompensationAdapter]:
    return import_string(path)


def get_adapter() -> DefaultCompensationAdapter:
    # The class is imported once per path; the setting is read each call, so a test may override it.
    return _adapter_class(settings.COMPENSATION_ADAPTER)()
