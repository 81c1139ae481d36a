"""The project's compensation adapter (settings.COMPENSATION_ADAPTER): platform activity shown
beside a tester's time logs as evidence of the session.

Compensation sits below generation and feedback, so it cannot count their rows; the console sits
above them all and answers for it (see compensation.adapter).
"""

from accessprogram.compensation.activity import count_in_windows
from accessprogram.compensation.adapter import ActivityCounter, DefaultCompensationAdapter
from accessprogram.feedback.models import BugReport, FormResponse, QuickRating
from generation.models import Generation


def _generations(sessions) -> list[int]:
    owner = {"tester_id": "user_id", "program_id": "program_id"}
    return count_in_windows(Generation, "created_at", sessions, owner=owner)


def _forms_answered(sessions) -> list[int]:
    owner = {"membership_id": "pk"}
    return count_in_windows(FormResponse, "submitted_at", sessions, owner=owner)


def _outputs_rated(sessions) -> list[int]:
    owner = {"tester_id": "user_id", "program_id": "program_id"}
    return count_in_windows(QuickRating, "created_at", sessions, owner=owner)


def _bugs_filed(sessions) -> list[int]:
    owner = {"membership_id": "pk"}
    return count_in_windows(BugReport, "created_at", sessions, owner=owner)


class ConsoleCompensationAdapter(DefaultCompensationAdapter):
    def activity_counters(self) -> dict[str, ActivityCounter]:
        return {
            "Generations made": _generations,
            "Feedback forms answered": _forms_answered,
            "Outputs rated": _outputs_rated,
            "Bug reports filed": _bugs_filed,
        }
