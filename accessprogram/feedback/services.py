"""Writes for feedback forms (building, answering) and quick ratings of outputs."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accessprogram.access.blocks import block_in_force
from accessprogram.audit.services import record
from accessprogram.compensation.services import award_for_form
from accessprogram.programs.models import Cohort, Membership, Program
from generation.models import Generation

from .answers import clean_answers
from .models import Answer, FeedbackForm, FormResponse, Question, QuickRating

MAX_OPTIONS = 30
MAX_COMMENT = 2000


class FeedbackError(Exception):
    """A feedback action that is not allowed; the message says why, for the user."""


# --- Building forms (staff) -------------------------------------------------------------------


def _check_form_fields(*, program: Program, cohort: Cohort | None, opens_at, closes_at, title):
    if not (title or "").strip():
        raise FeedbackError("Give the form a title.")
    if opens_at is None or closes_at is None:
        raise FeedbackError("Say when the form opens and when it closes.")
    if closes_at <= opens_at:
        raise FeedbackError("The form must close after it opens.")
    if cohort is not None and cohort.program_id != program.pk:
        raise FeedbackError("That cohort belongs to another program.")


@transaction.atomic
def create_form(
    *,
    program: Program,
    title: str,
    opens_at,
    closes_at,
    description: str = "",
    cohort: Cohort | None = None,
    actor=None,
) -> FeedbackForm:
    _check_form_fields(
        program=program, cohort=cohort, opens_at=opens_at, closes_at=closes_at, title=title
    )
    form = FeedbackForm.objects.create(
        program=program,
        cohort=cohort,
        title=title.strip(),
        description=(description or "").strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        created_by=actor,
    )
    record(action="feedback.form.create", target=form, actor=actor, title=form.title)
    return form


@transaction.atomic
def update_form(
    *, form: FeedbackForm, title: str, opens_at, closes_at, description="", cohort=None, actor=None
) -> FeedbackForm:
    _check_form_fields(
        program=form.program, cohort=cohort, opens_at=opens_at, closes_at=closes_at, title=title
    )
    form = FeedbackForm.objects.select_for_update().get(pk=form.pk)
    if cohort != form.cohort and form.responses.exists():
        raise FeedbackError("This form has answers: who it is for can no longer change.")
    form.title, form.description = title.strip(), (description or "").strip()
    form.opens_at, form.closes_at, form.cohort = opens_at, closes_at, cohort
    form.save(update_fields=["title", "description", "opens_at", "closes_at", "cohort"])
    record(
        action="feedback.form.update",
        target=form,
        actor=actor,
        title=form.title,
        opens_at=opens_at,
        closes_at=closes_at,
        cohort=cohort.pk if cohort else None,
    )
    return form


@transaction.atomic
def publish_form(*, form: FeedbackForm, actor=None) -> FeedbackForm:
    form = FeedbackForm.objects.select_for_update().get(pk=form.pk)
    if form.is_published:
        raise FeedbackError("This form is published already.")
    if not form.questions.exists():
        raise FeedbackError("Add at least one question before publishing.")
    form.status = FeedbackForm.Status.PUBLISHED
    form.published_at = timezone.now()
    form.save(update_fields=["status", "published_at"])
    record(action="feedback.form.publish", target=form, actor=actor, title=form.title)
    return form


def _clean_options(kind: str, options) -> list[str]:
    if kind not in Question.CHOICE_KINDS:
        return []
    cleaned = []
    for option in options or []:
        option = str(option).strip()
        if option and option not in cleaned:
            cleaned.append(option[:200])
    if len(cleaned) < 2:
        raise FeedbackError("A choice question needs at least two different options.")
    if len(cleaned) > MAX_OPTIONS:
        raise FeedbackError(f"A choice question takes at most {MAX_OPTIONS} options.")
    return cleaned


def _has_answers(form: FeedbackForm) -> bool:
    return FormResponse.objects.filter(form_id=form.pk).exists()


@dataclass(frozen=True, kw_only=True)
class QuestionFields:
    """What staff write for a question: the keywords add_question and update_question take."""

    kind: str
    label: str
    help_text: str = ""
    required: bool = True
    options: Iterable = ()

    def columns(self) -> dict:
        """The question's columns as saved: text trimmed, options cleaned for the kind."""
        return {
            "kind": self.kind,
            "label": self.label.strip(),
            "help_text": (self.help_text or "").strip(),
            "required": self.required,
            "options": _clean_options(self.kind, self.options),
        }


def _recorded(question: Question, *, change: str, form: FeedbackForm, actor) -> Question:
    record(
        action=f"feedback.question.{change}",
        target=form,
        actor=actor,
        question=question.pk,
        kind=question.kind,
    )
    return question


@transaction.atomic
def add_question(*, form: FeedbackForm, actor=None, **fields) -> Question:
    """Append a question (fields: QuestionFields) to the form."""
    fields = QuestionFields(**fields)
    if fields.kind not in Question.Kind.values:
        raise FeedbackError("Choose a question type.")
    if not (fields.label or "").strip():
        raise FeedbackError("Write the question.")
    form = FeedbackForm.objects.select_for_update().get(pk=form.pk)
    last = form.questions.aggregate(last=Max("position"))["last"]
    question = Question.objects.create(
        form=form, position=0 if last is None else last + 1, **fields.columns()
    )
    return _recorded(question, change="add", form=form, actor=actor)


@transaction.atomic
def update_question(*, question: Question, actor=None, **fields) -> Question:
    """Change a question (fields: QuestionFields). Once the form has answers its type stays and
    options may only be added."""
    fields = QuestionFields(**fields)
    question = Question.objects.select_for_update().select_related("form").get(pk=question.pk)
    if not (fields.label or "").strip():
        raise FeedbackError("Write the question.")
    columns = fields.columns()
    if _has_answers(question.form):
        if fields.kind != question.kind:
            raise FeedbackError("This form has answers: a question's type can no longer change.")
        dropped = [option for option in question.options if option not in columns["options"]]
        if dropped:
            raise FeedbackError(
                "This form has answers: options can be added or kept, not removed "
                f"({', '.join(dropped)})."
            )
    elif fields.kind not in Question.Kind.values:
        raise FeedbackError("Choose a question type.")
    for name, value in columns.items():
        setattr(question, name, value)
    question.save(update_fields=list(columns))
    return _recorded(question, change="update", form=question.form, actor=actor)


@transaction.atomic
def move_question(*, question: Question, offset: int, actor=None) -> None:
    """Move a question up (offset -1) or down (+1) among its form's questions."""
    form = FeedbackForm.objects.select_for_update().get(pk=question.form_id)
    ordered = list(form.questions.order_by("position", "id"))
    index = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered):
        if item.position != position:
            Question.objects.filter(pk=item.pk).update(position=position)


@transaction.atomic
def remove_question(*, question: Question, actor=None) -> None:
    form = FeedbackForm.objects.select_for_update().get(pk=question.form_id)
    if _has_answers(form):
        raise FeedbackError("This form has answers: its questions can no longer be removed.")
    question.delete()
    record(action="feedback.question.remove", target=form, actor=actor, question=question.label)


# --- Answering (testers) ----------------------------------------------------------------------


def check_may_answer(*, form: FeedbackForm, membership: Membership, now=None) -> None:
    now = now or timezone.now()
    if (
        membership.role != Membership.Role.TESTER
        or membership.program_id != form.program_id
        or (form.cohort_id is not None and membership.cohort_id != form.cohort_id)
    ):
        raise FeedbackError("This form is not for you.")
    if not membership.is_active or membership.program.status != Program.Status.ACTIVE:
        raise FeedbackError("Your access to this program is not active.")
    if block_in_force(membership=membership) is not None:
        raise FeedbackError("Your access to this program is paused; answers cannot be saved.")
    phase = form.phase(now)
    if phase == "draft":
        raise FeedbackError("This form is not published.")
    if phase == "upcoming":
        raise FeedbackError(
            f"This form opens on {form.opens_at:%d %b %Y at %H:%M} UTC; nothing was saved."
        )
    if phase == "closed":
        raise FeedbackError(
            f"This form closed on {form.closes_at:%d %b %Y at %H:%M} UTC; nothing was saved."
        )


@transaction.atomic
def submit_response(
    *, form: FeedbackForm, membership: Membership, raw: dict[int, object]
) -> FormResponse:
    """Save a tester's answers (new or edited). The first complete submission is paid, once."""
    # One submission per tester at a time: a double click waits here and then edits.
    membership = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=membership.pk)
    )
    form = FeedbackForm.objects.select_related("program").get(pk=form.pk)  # as it is now
    check_may_answer(form=form, membership=membership)
    questions = list(form.questions.all())
    cleaned = clean_answers(questions=questions, raw=raw, membership=membership)
    if all(answer is None for answer in cleaned.values()):
        raise FeedbackError("Answer at least one question; nothing was saved.")
    response, created = FormResponse.objects.get_or_create(form=form, membership=membership)
    for question, answer in cleaned.items():
        if answer is None:
            Answer.objects.filter(response=response, question=question).delete()
        else:
            Answer.objects.update_or_create(
                response=response,
                question=question,
                defaults={"value": answer.value, "generation": answer.generation},
            )
    complete = all(cleaned.get(q) is not None for q in questions if q.required)
    newly_complete = complete and response.completed_at is None
    if newly_complete:
        response.completed_at = timezone.now()
    response.save()  # updated_at
    if newly_complete:
        award_for_form(membership=membership, response_id=response.pk, form_title=form.title)
    record(
        action="feedback.response.submit" if created else "feedback.response.edit",
        target=response,
        actor=membership.user,
        program=form.program.slug,
        form=form.pk,
        completed=complete,
    )
    return response


# --- Quick ratings ----------------------------------------------------------------------------


@transaction.atomic
def rate_output(*, generation: Generation, tester, rating, comment: str = "") -> QuickRating:
    """Set (or change) the tester's rating of one of their own completed outputs."""
    generation = (
        Generation.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=generation.pk)
    )
    if generation.tester_id != tester.pk or generation.deleted_at is not None:
        raise FeedbackError("Only the tester who made this output can rate it.")
    if generation.status != Generation.Status.COMPLETED:
        raise FeedbackError("Only a completed output can be rated.")
    membership = Membership.objects.filter(
        user=tester, program_id=generation.program_id, role=Membership.Role.TESTER
    ).first()
    if membership is None or not membership.is_active:
        raise FeedbackError("Your access to this program is not active.")
    if block_in_force(membership=membership) is not None:
        raise FeedbackError("Your access to this program is paused.")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise FeedbackError("The rating must be a whole number from 1 to 5.")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise FeedbackError(f"Keep the comment under {MAX_COMMENT} characters.")
    rating_row, _ = QuickRating.objects.update_or_create(
        generation=generation,
        tester=tester,
        defaults={"rating": rating, "comment": comment, "program_id": generation.program_id},
    )
    return rating_row
