"""Server-side checks of answers, one rule per question kind."""

from dataclasses import dataclass

from django.db.models import QuerySet

from accessprogram.programs.models import Membership
from generation.models import Generation

from .models import Question

Kind = Question.Kind
MAX_SHORT = 300
MAX_LONG = 5000


class AnswersInvalid(Exception):
    """Some answers are wrong; `errors` maps question id to a message for the tester."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass(frozen=True)
class CleanAnswer:
    value: object
    generation: Generation | None = None


def output_choices(*, membership: Membership) -> QuerySet[Generation]:
    """What a tester may pick for an output question: their completed videos in the program."""
    return Generation.objects.filter(
        tester_id=membership.user_id,
        program_id=membership.program_id,
        status=Generation.Status.COMPLETED,
        deleted_at__isnull=True,
    ).order_by("-created_at", "-id")


def _is_blank(raw) -> bool:
    if raw is None:
        return True
    if isinstance(raw, list | tuple):
        return not [item for item in raw if str(item).strip()]
    return not str(raw).strip()


def _one(raw):
    """A single value from a raw answer (form posts give lists for every field)."""
    if isinstance(raw, list | tuple):
        return raw[0] if len(raw) == 1 else None
    return raw


def _clean_one(question: Question, raw, *, membership: Membership) -> CleanAnswer:
    if question.kind == Kind.RATING:
        value = _one(raw)
        try:
            rating = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError("Choose a rating from 1 to 5.") from None
        if not 1 <= rating <= 5:
            raise ValueError("Choose a rating from 1 to 5.")
        return CleanAnswer(rating)
    if question.kind == Kind.SINGLE:
        value = _one(raw)
        if value not in question.options:
            raise ValueError("Choose one of the options given.")
        return CleanAnswer(value)
    if question.kind == Kind.MULTIPLE:
        values = list(raw) if isinstance(raw, list | tuple) else [raw]
        values = [value for value in values if str(value).strip()]
        if any(value not in question.options for value in values):
            raise ValueError("Choose only among the options given.")
        if len(set(values)) != len(values):
            raise ValueError("Choose each option at most once.")
        # Kept in the order the options are listed, whatever order the browser sent.
        return CleanAnswer([option for option in question.options if option in values])
    if question.kind in (Kind.SHORT, Kind.LONG):
        value = _one(raw)
        if not isinstance(value, str):
            raise ValueError("Answer with text.")
        limit = MAX_SHORT if question.kind == Kind.SHORT else MAX_LONG
        if len(value.strip()) > limit:
            raise ValueError(f"Keep the answer under {limit} characters.")
        return CleanAnswer(value.strip())
    if question.kind == Kind.OUTPUT:
        value = _one(raw)
        generation = output_choices(membership=membership).filter(public_id=str(value)).first()
        if generation is None:
            raise ValueError("Pick one of your own completed videos in this program.")
        return CleanAnswer(generation.public_id, generation)
    raise ValueError("This question cannot be answered.")


def clean_answers(
    *, questions, raw: dict[int, object], membership: Membership
) -> dict[Question, CleanAnswer | None]:
    """Each question's clean answer (None when left blank); AnswersInvalid if any is wrong."""
    cleaned, errors = {}, {}
    for question in questions:
        value = raw.get(question.pk)
        if _is_blank(value):
            if question.required:
                errors[question.pk] = "This question needs an answer."
            cleaned[question] = None
            continue
        try:
            cleaned[question] = _clean_one(question, value, membership=membership)
        except ValueError as error:
            errors[question.pk] = str(error)
    if errors:
        raise AnswersInvalid(errors)
    return cleaned
