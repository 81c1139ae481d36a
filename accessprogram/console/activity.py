"""Platform activity shown beside time logs as evidence (registered when the console app loads).

Compensation sits below generation and feedback, so it cannot count their rows itself; the
console may, and registers one counter per kind of activity (see compensation.activity).
"""

from accessprogram.compensation.activity import register_activity_provider
from accessprogram.feedback.models import BugReport, FormResponse, QuickRating
from generation.models import Generation


def _generations(membership, start, end) -> int:
    return Generation.objects.filter(
        tester_id=membership.user_id,
        program_id=membership.program_id,
        created_at__gte=start,
        created_at__lt=end,
    ).count()


def _forms_answered(membership, start, end) -> int:
    return FormResponse.objects.filter(
        membership=membership, submitted_at__gte=start, submitted_at__lt=end
    ).count()


def _outputs_rated(membership, start, end) -> int:
    return QuickRating.objects.filter(
        tester_id=membership.user_id,
        program_id=membership.program_id,
        created_at__gte=start,
        created_at__lt=end,
    ).count()


def _bugs_filed(membership, start, end) -> int:
    return BugReport.objects.filter(
        membership=membership, created_at__gte=start, created_at__lt=end
    ).count()


def register_activity_counters() -> None:
    register_activity_provider("Generations made", _generations)
    register_activity_provider("Feedback forms answered", _forms_answered)
    register_activity_provider("Outputs rated", _outputs_rated)
    register_activity_provider("Bug reports filed", _bugs_filed)
