"""Writes for bug reports: filing (with attachments), triage and comments."""

from django.db import transaction
from django.utils import timezone

from accessprogram.access.blocks import block_in_force
from accessprogram.audit.services import record
from accessprogram.compensation.models import Severity
from accessprogram.compensation.services import award_for_bug
from accessprogram.programs.models import Membership, Program
from generation.models import Generation

from .attachments import CheckedFile, check_uploads, delete_stored, store
from .models import BugAttachment, BugEvent, BugReport
from .services import FeedbackError

Status = BugReport.Status
MAX_COMMENT = 5000


def _notify(event: BugEvent) -> None:
    from .tasks import send_bug_update_email

    transaction.on_commit(lambda: send_bug_update_email.delay(event.pk))


def _check_reporter(membership: Membership) -> None:
    if membership.role != Membership.Role.TESTER or not membership.is_active:
        raise FeedbackError("Only testers with active access can report bugs.")
    if membership.program.status != Program.Status.ACTIVE:
        raise FeedbackError("This program is not open.")
    if block_in_force(membership=membership) is not None:
        raise FeedbackError("Your access to this program is paused; the report was not filed.")


def file_bug(
    *,
    membership: Membership,
    title: str,
    steps: str,
    expected: str,
    actual: str,
    severity: str,
    generation: Generation | None = None,
    files=(),
) -> BugReport:
    """File a report. Files are checked before anything is written; stored files are removed
    again if the report cannot be saved, so a failure leaves neither rows nor files."""
    _check_reporter(membership)
    if severity not in Severity.values:
        raise FeedbackError("Choose a severity.")
    for what, text in (("title", title), ("steps", steps), ("expected", expected)):
        if not (text or "").strip():
            raise FeedbackError(f"Fill in the {what}.")
    if not (actual or "").strip():
        raise FeedbackError("Say what happened instead.")
    if generation is not None and (
        generation.tester_id != membership.user_id
        or generation.program_id != membership.program_id
        or generation.deleted_at is not None
    ):
        raise FeedbackError("Link one of your own videos in this program, or none.")
    checked = check_uploads(files)
    stored: list[str] = []
    try:
        return _save_bug(
            membership=membership,
            fields={
                "title": title.strip()[:200],
                "steps": steps.strip(),
                "expected": expected.strip(),
                "actual": actual.strip(),
                "severity": severity,
                "generation": generation,
            },
            checked=checked,
            stored=stored,
        )
    except BaseException:
        delete_stored(stored)
        raise


@transaction.atomic
def _save_bug(
    *, membership: Membership, fields: dict, checked: list[CheckedFile], stored: list[str]
) -> BugReport:
    bug = BugReport.objects.create(
        program_id=membership.program_id, membership=membership, reporter=membership.user, **fields
    )
    for item in checked:
        key, sha256 = store(item, program_id=membership.program_id)
        stored.append(key)
        BugAttachment.objects.create(
            bug=bug,
            storage_key=key,
            original_name=item.name,
            content_type=item.content_type,
            size=item.size,
            sha256=sha256,
        )
    record(
        action="feedback.bug.file",
        target=bug,
        actor=membership.user,
        program=membership.program.slug,
        severity=bug.severity,
        attachments=len(checked),
    )
    return bug


@transaction.atomic
def change_status(
    *,
    bug: BugReport,
    status: str,
    actor,
    duplicate_of: BugReport | None = None,
    note: str = "",
    severity: str = "",
) -> BugReport:
    """Triage. Confirming pays the reporter (once, whatever happens to the report later), at
    the severity staff settle on: they may correct the reporter's severity until it is paid."""
    bug = (
        BugReport.objects.select_for_update(of=("self",))
        .select_related("membership__program", "program")
        .get(pk=bug.pk)
    )
    if status not in Status.values:
        raise FeedbackError("Choose a status.")
    if status == Status.DUPLICATE:
        if duplicate_of is None:
            raise FeedbackError("Say which report this one duplicates.")
        if duplicate_of.pk == bug.pk:
            raise FeedbackError("A report cannot duplicate itself.")
        if duplicate_of.program_id != bug.program_id:
            raise FeedbackError("The original must be a report of the same program.")
        if duplicate_of.duplicate_of_id == bug.pk:
            raise FeedbackError(f"Report #{duplicate_of.pk} is already a duplicate of this one.")
    else:
        duplicate_of = None
    reported_severity = bug.severity
    if severity and severity != bug.severity:
        if severity not in Severity.values:
            raise FeedbackError("Choose a known severity.")
        if bug.confirmed_at is not None:
            raise FeedbackError("The report was paid at its severity already; it cannot change.")
    if status == bug.status and duplicate_of == bug.duplicate_of:
        raise FeedbackError(f"The report is {bug.get_status_display().lower()} already.")
    previous = bug.status
    bug.status, bug.duplicate_of = status, duplicate_of
    fields = ["status", "duplicate_of", "updated_at"]
    if severity and severity != bug.severity:
        bug.severity = severity
        fields.append("severity")
    if status == Status.CONFIRMED and bug.confirmed_at is None:
        bug.confirmed_at = timezone.now()
        fields.append("confirmed_at")
    bug.save(update_fields=fields)
    entry = None
    if status == Status.CONFIRMED:
        entry = award_for_bug(
            membership=bug.membership,
            bug_id=bug.pk,
            severity=bug.severity,
            title=bug.title,
            actor=actor,
        )
    event = BugEvent.objects.create(
        bug=bug,
        kind=BugEvent.Kind.STATUS,
        author=actor,
        from_status=previous,
        to_status=status,
        body=(note or "").strip()[:MAX_COMMENT],
    )
    _notify(event)
    record(
        action="feedback.bug.status",
        target=bug,
        actor=actor,
        program=bug.program.slug,
        from_status=previous,
        to_status=status,
        duplicate_of=duplicate_of.pk if duplicate_of else None,
        severity=bug.severity,
        reported_severity=reported_severity,
        award=entry.pk if entry else None,
    )
    return bug


@transaction.atomic
def add_comment(*, bug: BugReport, author, body: str, internal: bool = False, by_staff: bool):
    """A comment on the timeline. Staff may keep a note internal; the reporter never sees it
    and is told of every other staff comment."""
    body = (body or "").strip()
    if not body:
        raise FeedbackError("Write a comment.")
    if len(body) > MAX_COMMENT:
        raise FeedbackError(f"Keep the comment under {MAX_COMMENT} characters.")
    if not by_staff:
        if bug.reporter_id != author.pk:
            raise FeedbackError("Only the reporter can comment here.")
        internal = False
    event = BugEvent.objects.create(
        bug=bug,
        kind=BugEvent.Kind.COMMENT,
        author=author,
        body=body,
        internal=internal,
        by_staff=by_staff,
    )
    BugReport.objects.filter(pk=bug.pk).update(updated_at=timezone.now())
    if by_staff and not internal:
        _notify(event)
    record(
        action="feedback.bug.comment",
        target=bug,
        actor=author,
        program=bug.program.slug,
        internal=internal,
        by_staff=by_staff,
    )
    return event
