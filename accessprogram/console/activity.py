"""What compensation needs from the layers above it, registered when the console app loads:
platform activity shown beside time logs as evidence, and the access check before time is logged.

Compensation sits below access, generation and feedback, so it cannot read their rows itself;
the console may (see compensation.activity and compensation.gates).
"""

from accessprogram.access.blocks import block_in_force
from accessprogram.compensation.activity import count_in_windows, register_activity_provider
from accessprogram.compensation.gates import register_time_log_check
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


def _access_withdrawn(membership) -> str | None:
    block = block_in_force(membership=membership)
    return block.message if block is not None else None


def register_compensation_hooks() -> None:
    register_time_log_check(_access_withdrawn)
    register_activity_provider("Generations made", _generations)
    register_activity_provider("Feedback forms answered", _forms_answered)
    register_activity_provider("Outputs rated", _outputs_rated)
    register_activity_provider("Bug reports filed", _bugs_filed)
