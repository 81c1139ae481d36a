"""Whether a tester may log paid testing time right now, as layers above compensation see it.

Access blocks (suspensions and revocations of the token holder, cohort or program) live in
access, which compensation may not import; the console registers a check here when it loads.
"""

from collections.abc import Callable

from accessprogram.programs.models import Membership

# membership -> None when allowed, else the reason to show the tester
TimeLogCheck = Callable[[Membership], str | None]

_checks: list[TimeLogCheck] = []


def register_time_log_check(check: TimeLogCheck) -> None:
    if check not in _checks:
        _checks.append(check)


def time_log_refusal(membership: Membership) -> str | None:
    """The first registered reason this tester may not log time now, or None."""
    for check in _checks:
        reason = check(membership)
        if reason:
            return reason
    return None
