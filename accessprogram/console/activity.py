"""What compensation needs from the layers above it, registered when the console app loads:
platform activity shown beside time logs as evidence, and the access check before time is logged.

Compensation sits below access, generation and feedback, so it cannot read their rows itself;
the console may (see compensation.activity and compensation.gates).
"""

from accessprogram.access.selectors import membership_block
from accessprogram.compensation.activity import count_in_windows, register_activity_provider
from accessprogram.compensation.gates import register_time_log_check
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


def _access_withdrawn(membership) -> str | None:
    block = membership_block(membership=membership)
    return block.message if block is not None else None


def register_compensation_hooks() -> None:
    register_time_log_check(_access_withdrawn)
    register_activity_provider("Generations made", _generations)
    register_activity_provider("Feedback forms answered", _forms_answered)
    register_activity_provider("Outputs rated", _outputs_rated)
    register_activity_provider("Bug reports filed", _bugs_filed)
