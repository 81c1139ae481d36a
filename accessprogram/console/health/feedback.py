"""Feedback response rates and open bugs by severity."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q

from accessprogram.compensation.models import Severity
from accessprogram.feedback.models import BugReport, FeedbackForm, FormResponse

from .charts import Series
from .counters import testers_in
from .trends import Window, daily, series


@dataclass(frozen=True)
class FormRate:
    form: FeedbackForm
    completed: int
    eligible: int

    @property
    def percent(self) -> Decimal | None:
        return _percent(self.completed, self.eligible)


@dataclass(frozen=True)
class Feedback:
    forms: list[FormRate]  # open now, or closed within the window
    responses_trend: Series
    open_bugs: list[tuple[str, str, int]]  # (severity, label, count), most severe first
    bugs_trend: Series

    @property
    def completed(self) -> int:
        return sum(rate.completed for rate in self.forms)

    @property
    def eligible(self) -> int:
        return sum(rate.eligible for rate in self.forms)

    @property
    def response_rate(self) -> Decimal | None:
        return _percent(self.completed, self.eligible)

    @property
    def open_bug_count(self) -> int:
        return sum(n for _, _, n in self.open_bugs)


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.1"), ROUND_HALF_UP)


def feedback(
    *, program_ids, window: Window, testers: dict, open_items: dict
) -> dict[int, Feedback]:
    """Three queries: the forms with their completed responses, responses completed per day
    and bugs reported per day. `testers` (who a form is for) and `open_items` (open bugs by
    severity) are counters.testers_by_cohort and counters.open_counts of the same programs."""
    forms = list(
        FeedbackForm.objects.filter(
            program_id__in=program_ids,
            status=FeedbackForm.Status.PUBLISHED,
            opens_at__lte=window.now,
            closes_at__gte=window.since,
        )
        .annotate(completed=Count("responses", filter=Q(responses__completed_at__isnull=False)))
        .order_by("-opens_at", "-id")
    )
    everyone = {pk: testers_in(testers, pk) for pk in program_ids}
    answered = daily(
        FormResponse.objects.filter(form__program_id__in=program_ids),
        field="completed_at",
        window=window,
        program="form__program_id",
        n=Count("id"),
    )
    bugs = BugReport.objects.filter(program_id__in=program_ids)
    reported = daily(bugs, field="created_at", window=window, n=Count("id"))
    most_severe_first = list(reversed(Severity.choices))
    return {
        pk: Feedback(
            forms=[
                FormRate(
                    form=form,
                    completed=form.completed,
                    eligible=testers.get((pk, form.cohort_id), 0)
                    if form.cohort_id
                    else everyone[pk],
                )
                for form in forms
                if form.program_id == pk
            ],
            responses_trend=series(answered, pk, "n", window=window, label="Responses"),
            open_bugs=[
                (severity, label, open_items[pk][f"bugs_{severity}"])
                for severity, label in most_severe_first
            ],
            bugs_trend=series(reported, pk, "n", window=window, label="Bugs reported"),
        )
        for pk in program_ids
    }
