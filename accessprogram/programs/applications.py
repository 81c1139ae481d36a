"""Applications: the public way to ask for a place in a program (services).

Accepting one sends an invitation into a chosen cohort; declining sends the applicant a message."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.utils import timezone

from accessprogram.audit.services import record

from . import invitations
from .models import Application, ApplicationQuestion, Cohort, Membership, Program
from .services import OnboardingError

MAX_ANSWER_LENGTH = 5000


def accepts_applications(program: Program) -> bool:
    return program.applications_open and program.status in (
        Program.Status.DRAFT,
        Program.Status.ACTIVE,
    )


@transaction.atomic
def submit_application(
    *, program: Program, name: str, email: str, answers: dict[int, str]
) -> Application | None:
    """`answers` maps question ids to text; every required question needs one.

    An address that already has a pending application or a membership gets None, not an error:
    the page answers every address alike, so it cannot be used to learn who is a member.
    Anonymous submissions write no audit record (anyone can send them); staff decisions do.
    """
    if not accepts_applications(program):
        raise OnboardingError("This program is not taking applications.")
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise OnboardingError("Your name is missing.")
    try:
        validate_email(email)
    except ValidationError as error:
        raise OnboardingError("Enter a valid email address.") from error
    recorded = []
    for question in ApplicationQuestion.objects.filter(program=program):
        answer = (answers.get(question.pk) or "").strip()
        if question.required and not answer:
            raise OnboardingError(f"“{question.label}” needs an answer.")
        if len(answer) > MAX_ANSWER_LENGTH:
            raise OnboardingError(f"“{question.label}” is too long.")
        if answer and question.kind == ApplicationQuestion.Kind.URL:
            try:
                URLValidator(schemes=["http", "https"])(answer)
            except ValidationError as error:
                raise OnboardingError(f"“{question.label}” must be a web link.") from error
        recorded.append({"question": question.label, "answer": answer})
    if Application.objects.filter(
        program=program, email=email, status=Application.Status.SUBMITTED
    ).exists():
        return None
    if Membership.objects.filter(program=program, user__email__iexact=email).exists():
        return None
    return Application.objects.create(program=program, name=name, email=email, answers=recorded)


def _pending(application: Application) -> Application:
    locked = (
        Application.objects.select_for_update().select_related("program").get(pk=application.pk)
    )
    if locked.status != Application.Status.SUBMITTED:
        raise OnboardingError(f"This application was already {locked.status}.")
    return locked


@transaction.atomic
def accept_application(*, application: Application, cohort: Cohort | None, actor=None):
    """Accept and invite the applicant into `cohort` (the invitation email follows)."""
    application = _pending(application)
    issued = invitations.invite(
        program=application.program,
        email=application.email,
        name=application.name,
        cohort=cohort,
        actor=actor,
    )
    application.status = Application.Status.ACCEPTED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.invitation = issued.invitation
    application.save(update_fields=["status", "decided_at", "decided_by", "invitation"])
    record(
        action="application.accept",
        target=application,
        actor=actor,
        invitation=issued.invitation.pk,
        cohort=cohort.name if cohort else None,
    )
    return application


@transaction.atomic
def decline_application(*, application: Application, message: str, actor=None) -> Application:
    application = _pending(application)
    application.status = Application.Status.DECLINED
    application.decided_at = timezone.now()
    application.decided_by = actor
    application.decision_message = message.strip()
    application.save(update_fields=["status", "decided_at", "decided_by", "decision_message"])
    record(action="application.decline", target=application, actor=actor, email=application.email)
    from .tasks import send_decline_email

    transaction.on_commit(lambda: send_decline_email.delay(application.pk))
    return application


@transaction.atomic
def set_applications_open(*, program: Program, is_open: bool, actor=None) -> Program:
    Program.objects.filter(pk=program.pk).update(applications_open=is_open)
    program.applications_open = is_open
    record(
        action="applications.open" if is_open else "applications.close", target=program, actor=actor
    )
    return program


@transaction.atomic
def add_question(
    *, program: Program, label: str, kind: str, required: bool, help_text: str = "", actor=None
) -> ApplicationQuestion:
    if not label.strip():
        raise OnboardingError("The question is empty.")
    last = ApplicationQuestion.objects.filter(program=program).order_by("-position").first()
    question = ApplicationQuestion.objects.create(
        program=program,
        label=label.strip(),
        kind=kind,
        required=required,
        help_text=help_text.strip(),
        position=(last.position + 1) if last else 0,
    )
    record(action="applications.question_add", target=question, actor=actor, label=question.label)
    return question


@transaction.atomic
def remove_question(*, question: ApplicationQuestion, actor=None) -> None:
    record(
        action="applications.question_remove", target=question, actor=actor, label=question.label
    )
    question.delete()
