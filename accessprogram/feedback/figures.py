"""Staff figures: response rates, answer distributions, quick ratings, bug counts; CSV exports."""

import csv
import datetime
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Avg, Count, JSONField, OuterRef, Q, Subquery

from accessprogram.compensation.models import Severity
from accessprogram.programs.models import Membership, Program
from accessprogram.spreadsheet import safe_cell

from .export_copy import copied_rows
from .export_sql import AnswersByQuestion, IsoTimestamp, iso_text
from .models import Answer, BugReport, FeedbackForm, FormResponse, Question, QuickRating

RATINGS = (1, 2, 3, 4, 5)
CHARTED_KINDS = (Question.Kind.RATING, Question.Kind.SINGLE, Question.Kind.MULTIPLE)


@dataclass(frozen=True)
class QuestionFigure:
    question: Question
    rows: list[tuple[str, int]]  # for the bar chart; empty for text questions
    answered: int


def eligible_testers(*, form: FeedbackForm) -> int:
    """Active testers the form is meant for (its cohort's, or the whole program's)."""
    testers = Membership.objects.filter(
        program_id=form.program_id, role=Membership.Role.TESTER, status=Membership.Status.ACTIVE
    )
    if form.cohort_id:
        testers = testers.filter(cohort_id=form.cohort_id)
    return testers.count()


def _rate(responses: int, eligible: int) -> tuple[int, int, Decimal | None]:
    if not eligible:
        return responses, eligible, None
    percent = (Decimal(100) * responses / eligible).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return responses, eligible, percent


def response_rate(*, form: FeedbackForm) -> tuple[int, int, Decimal | None]:
    """(completed responses, eligible testers, percent or None)."""
    responses = FormResponse.objects.filter(form=form, completed_at__isnull=False).count()
    return _rate(responses, eligible_testers(form=form))


def response_rates(
    *, program: Program, forms: list[FeedbackForm]
) -> dict[int, tuple[int, int, Decimal | None]]:
    """response_rate of each of the program's `forms` (annotated with `response_count`, see
    selectors.program_forms), by form id: active testers counted per cohort in one GROUP BY,
    whatever the number of forms."""
    per_cohort = dict(
        Membership.objects.filter(
            program=program, role=Membership.Role.TESTER, status=Membership.Status.ACTIVE
        )
        .order_by()
        .values("cohort_id")
        .annotate(n=Count("id"))
        .values_list("cohort_id", "n")
    )
    everyone = sum(per_cohort.values())
    return {
        form.pk: _rate(
            form.response_count,
            per_cohort.get(form.cohort_id, 0) if form.cohort_id else everyone,
        )
        for form in forms
    }


def question_figures(*, form: FeedbackForm) -> list[QuestionFigure]:
    """Answer counts per question and, for rating and choice questions, per distinct value,
    counted by the database (GROUP BY): two queries whatever the number of responses."""
    questions = list(form.questions.all())
    answers = Answer.objects.filter(question__form=form).order_by()
    answered = dict(
        answers.values("question_id").annotate(n=Count("id")).values_list("question_id", "n")
    )
    charted = [q.pk for q in questions if q.kind in CHARTED_KINDS]
    tallies: dict[int, list[tuple[object, int]]] = {}
    for question_id, value, n in (
        answers.filter(question_id__in=charted)
        .values("question_id", "value")
        .annotate(n=Count("id"))
        .values_list("question_id", "value", "n")
    ):
        tallies.setdefault(question_id, []).append((value, n))
    figures = []
    for question in questions:
        tally = tallies.get(question.pk, [])
        rows: list[tuple[str, int]] = []
        if question.kind == Question.Kind.RATING:
            rows = [(str(r), sum(n for v, n in tally if v == r)) for r in RATINGS]
        elif question.kind == Question.Kind.SINGLE:
            rows = [(o, sum(n for v, n in tally if v == o)) for o in question.options]
        elif question.kind == Question.Kind.MULTIPLE:
            # One tally row per distinct combination picked; an option counts in each.
            rows = [(o, sum(n for v, n in tally if o in (v or []))) for o in question.options]
        figures.append(
            QuestionFigure(question=question, rows=rows, answered=answered.get(question.pk, 0))
        )
    return figures


def quick_rating_summary(*, program: Program) -> dict:
    ratings = QuickRating.objects.filter(program=program)
    summary = ratings.aggregate(average=Avg("rating"), count=Count("id"))
    counts = dict(ratings.values_list("rating").annotate(n=Count("id")).values_list("rating", "n"))
    average = summary["average"]
    return {
        "count": summary["count"],
        "average": (
            Decimal(str(average)).quantize(Decimal("0.01"), ROUND_HALF_UP)
            if average is not None
            else None
        ),
        "rows": [(str(r), counts.get(r, 0)) for r in RATINGS],
    }


def bug_counts(*, program: Program) -> dict:
    bugs = BugReport.objects.filter(program=program)
    by_status = dict(bugs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    by_severity = dict(
        bugs.values_list("severity").annotate(n=Count("id")).values_list("severity", "n")
    )
    return {
        "total": sum(by_status.values()),
        "by_status": [
            (label, by_status.get(value, 0)) for value, label in BugReport.Status.choices
        ],
        "by_severity": [(label, by_severity.get(value, 0)) for value, label in Severity.choices],
    }


# --- CSV --------------------------------------------------------------------------------------


def _answer_text(question: Question, value) -> str:
    if value is None:
        return ""
    if question.kind == Question.Kind.MULTIPLE:
        return "; ".join(value)
    return str(value)


CSV_BATCH = 2000  # responses read (with their answers) per query


class _Line:
    """A file-like sink for csv.writer whose write returns the line instead of storing it,
    ending in \\n as PostgreSQL's COPY ends lines. The writer still ends rows in \\r\\n, so
    that it quotes a cell holding either character alone, as COPY does."""

    def write(self, text: str) -> str:
        return text[:-2] + "\n"


def _response_batches(form: FeedbackForm):
    """The form's responses in (submitted_at, id) order, CSV_BATCH at a time by keyset (index
    feedback_response_export), as plain tuples: tester, times as text and the answers as one
    object per response, all built by the database. One query a batch, and never more than
    one batch in memory."""
    answers = (
        Answer.objects.filter(response=OuterRef("pk"))
        .order_by()
        .values("response")
        .annotate(by_question=AnswersByQuestion("question_id", "value"))
        .values("by_question")
    )
    responses = (
        FormResponse.objects.filter(form=form)
        .order_by("submitted_at", "id")
        .values_list(
            "pk",
            "membership__user__username",
            "membership__user__email",
            "membership__cohort__name",
            IsoTimestamp("submitted_at"),
            IsoTimestamp("updated_at"),
            IsoTimestamp("completed_at"),
            Subquery(answers, output_field=JSONField()),
        )
    )
    after = Q()
    while True:
        batch = list(responses.filter(after)[:CSV_BATCH])
        if not batch:
            return
        yield batch
        last_id, last_at = batch[-1][0], datetime.datetime.fromisoformat(batch[-1][4])
        # The range condition lets the index seek; the OR breaks ties on equal times.
        after = Q(submitted_at__gte=last_at) & (Q(submitted_at__gt=last_at) | Q(id__gt=last_id))


def responses_csv(*, form: FeedbackForm, copy: bool | None = None) -> Iterator[str | bytes]:
    """One row per response, one column per question (in the form's order), as CSV produced
    while it is sent (a StreamingHttpResponse): memory stays flat however many responses the
    form has. PostgreSQL writes the rows itself (export_copy); elsewhere they are written here
    batch by batch, byte for byte the same (lines end in \\n, as COPY ends them). `copy`
    chooses the path (default: COPY whenever the database is PostgreSQL)."""
    questions = [(str(q.pk), q) for q in form.questions.all()]
    writer = csv.writer(_Line())
    yield writer.writerow(
        ["response_id", "tester", "email", "cohort", "submitted_at", "updated_at", "completed_at"]
        + [safe_cell(q.label) for _, q in questions]
    )
    if copy is None:
        copy = connection.vendor == "postgresql"
    if copy:
        yield from copied_rows(form=form, questions=[q for _, q in questions])
    else:
        yield from _written_rows(writer, _response_batches(form), questions)


def _written_rows(writer, batches, questions: list[tuple[str, Question]]) -> Iterator[str]:
    for batch in batches:
        yield "".join(
            writer.writerow(
                [
                    pk,
                    safe_cell(username),
                    safe_cell(email),
                    safe_cell(cohort or ""),
                    iso_text(submitted_at),
                    iso_text(updated_at),
                    iso_text(completed_at),
                ]
                + [safe_cell(_answer_text(q, (answers or {}).get(key))) for key, q in questions]
            )
            for pk, username, email, cohort, submitted_at, updated_at, completed_at, answers in (
                batch
            )
        )


def bugs_csv(*, bugs) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "id",
            "title",
            "status",
            "severity",
            "reporter",
            "email",
            "video",
            "duplicate_of",
            "attachments",
            "created_at",
            "updated_at",
            "steps",
            "expected",
            "actual",
        ]
    )
    for bug in bugs.order_by("created_at", "id"):
        writer.writerow(
            [
                bug.pk,
                safe_cell(bug.title),
                bug.status,
                bug.severity,
                safe_cell(bug.reporter.username),
                safe_cell(bug.reporter.email),
                bug.generation.public_id if bug.generation else "",
                bug.duplicate_of_id or "",
                bug.attachment_count,
                bug.created_at.isoformat(),
                bug.updated_at.isoformat(),
                safe_cell(bug.steps),
                safe_cell(bug.expected),
                safe_cell(bug.actual),
            ]
        )
    return out.getvalue()
