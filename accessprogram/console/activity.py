"""The project's compensation adapter (settings.COMPENSATION_ADAPTER): platform activity shown
beside a tester's time logs as evidence of the session.

Compensation sits below generation and feedback, so it cannot count their rows; the console sits
above them all and answers for it (see compensation.adapter).
"""

from accessprogram.compensation.activity import count_in_windows
from accessprogram.compensation.adapter import ActivityCounter, DefaultCompensationAdapter
from accessprogram.feedback.models import BugReport, FormResponse, QuickRating
from generation.models import Generation


def _generations(membership, windows) -> list[int]:
    generations = Generation.objects.filter(
        tester_id=membership.user_id, program_id=membership.program_id
    )
    return count_in_windows(generations, "created_at", windows)


def _forms_answered(membership, windows) -> list[int]:
    responses = FormResponse.objects.filter(membership=membership)
    return count_in_windows(responses, "submitted_at", windows)


def _outputs_rated(membership, windows) -> list[int]:
    ratings = QuickRating.objects.filter(
        tester_id=membership.user_id, program_id=membership.program_id
    )
    return count_in_windows(ratings, "created_at", windows)


def _bugs_filed(membership, windows) -> list[int]:
    bugs = BugReport.objects.filter(membership=membership)
    return count_in_windows(bugs, "created_at", windows)


class ConsoleCompensationAdapter(DefaultCompensationAdapter):
    def activity_counters(self) -> dict[str, ActivityCounter]:
        return {
            "Generations made": _generations,
            "Feedback forms answered": _forms_answered,
            "Outputs rated": _outputs_rated,
            "Bug reports filed": _bugs_filed,
        }
