"""Invitations: single-use, expiring links bound to one email address (services).

Only a SHA-256 digest of a link's secret is stored. The secret exists in the email alone: the
email task mints it (the broker message carries only the invitation id), so resending issues a
new secret and the old link stops working at once."""

import csv
import hashlib
import io
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from accessprogram.audit.services import record

from .models import Cohort, Invitation, Membership, Program
from .services import OnboardingError

MAX_CSV_ROWS = 2000  # the import runs in the background; the preview checks in a few queries


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


def _unsendable_digest() -> str:
    """The digest of a secret nobody keeps: no link opens the invitation until the email task
    mints the real one (and an older link stops working now)."""
    return digest(_new_secret())


def _lifetime() -> timedelta:
    return timedelta(days=settings.INVITATION_DAYS)


def _normalise(email: str) -> str:
    return (email or "").strip().lower()


def _enqueue_send(invitation: Invitation) -> None:
    from .tasks import send_invitation_email

    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk))


@transaction.atomic
def mint_link_secret(*, invitation_id: int, deliver) -> bool:
    """Give a live invitation a fresh secret, store its digest and `deliver(invitation=...,
    secret=...)` it (the email), in one transaction: if delivery fails, the digest is not
    changed. False (nothing sent) when the invitation was revoked, accepted or expired since."""
    invitation = (
        Invitation.objects.live()
        .select_for_update(of=("self",))
        .select_related("program", "cohort")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return False
    secret = _new_secret()
    invitation.digest = digest(secret)
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    invitation.save(update_fields=["digest", "sent_at", "send_count"])
    deliver(invitation=invitation, secret=secret)
    return True


def _expire_stale(*, program: Program, email: str) -> None:
    """Open invitations past their expiry become `expired`, freeing the address for a new one."""
    Invitation.objects.filter(
        program=program,
        email=email,
        status__in=[Invitation.Status.SENT, Invitation.Status.OPENED],
        expires_at__lte=timezone.now(),
    ).update(status=Invitation.Status.EXPIRED)


def email_problem(
    *,
    program: Program,
    email: str,
    members: set[str] | None = None,
    invited: set[str] | None = None,
) -> str | None:
    """Why this address cannot be invited to the program now, or None.

    `members` and `invited` (lower-cased addresses, see _taken_addresses) answer for a whole
    file at once; without them this asks the database."""
    try:
        validate_email(email)
    except ValidationError:
        return f"“{email}” is not a valid email address." if email else "The email is missing."
    if (
        email.lower() in members
        if members is not None
        else Membership.objects.filter(program=program, user__email__iexact=email).exists()
    ):
        return f"{email} is already a member of this program."
    if (
        email in invited
        if invited is not None
        else Invitation.objects.live().filter(program=program, email=email).exists()
    ):
        return f"{email} already has an open invitation to this program (resend it instead)."
    return None


def _taken_addresses(*, program: Program) -> tuple[set[str], set[str]]:
    """Lower-cased addresses of the program's members, and those with a live invitation: two
    queries for a whole file instead of two per row."""
    members = {
        email.lower()
        for email in Membership.objects.filter(program=program).values_list(
            "user__email", flat=True
        )
    }
    invited = set(Invitation.objects.live().filter(program=program).values_list("email", flat=True))
    return members, invited


def _create(*, program, email, name, cohort, actor) -> IssuedInvitation:
    invitation = Invitation.objects.create(
        program=program,
        cohort=cohort,
        email=email,
        name=name.strip(),
        digest=_unsendable_digest(),
        expires_at=timezone.now() + _lifetime(),
        invited_by=actor,
    )
    record(
        action="invitation.create",
        target=invitation,
        actor=actor,
        program=program.slug,
        email=email,
        cohort=cohort.name if cohort else None,
    )
    _enqueue_send(invitation)
    return IssuedInvitation(invitation=invitation)


@transaction.atomic
def invite(
    *, program: Program, email: str, name: str = "", cohort: Cohort | None = None, actor=None
) -> IssuedInvitation:
    email = _normalise(email)
    if cohort is not None and cohort.program_id != program.pk:
        raise OnboardingError("That cohort belongs to another program.")
    _expire_stale(program=program, email=email)
    problem = email_problem(program=program, email=email)
    if problem:
        raise OnboardingError(problem)
    return _create(program=program, email=email, name=name, cohort=cohort, actor=actor)


# --- CSV ------------------------------------------------------------------------------------


@dataclass
class CsvRow:
    line: int
    name: str
    email: str
    cohort_name: str
    cohort: Cohort | None = None
    errors: list[str] = field(default_factory=list)


def check_csv(*, program: Program, text: str) -> list[CsvRow]:
    """Parse `name,email,cohort` rows (a header row is optional) and say what is wrong with each.

    Reads only; the preview shows this, and bulk_invite refuses anything with an error."""
    cohorts = {c.name.lower(): c for c in Cohort.objects.filter(program=program)}
    members, invited = _taken_addresses(program=program)
    rows: list[CsvRow] = []
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    for line, values in enumerate(reader, start=1):
        if not any(v.strip() for v in values):
            continue
        if line == 1 and [v.strip().lower() for v in values][:2] == ["name", "email"]:
            continue
        padded = [v.strip() for v in values] + ["", "", ""]
        row = CsvRow(line=line, name=padded[0], email=_normalise(padded[1]), cohort_name=padded[2])
        if len(values) > 3:
            row.errors.append(f"Expected 3 columns (name, email, cohort), found {len(values)}.")
        if row.cohort_name:
            row.cohort = cohorts.get(row.cohort_name.lower())
            if row.cohort is None:
                row.errors.append(f"There is no cohort “{row.cohort_name}” in this program.")
        if row.email in seen:
            row.errors.append(f"{row.email} is also on line {seen[row.email]}.")
        else:
            problem = email_problem(
                program=program, email=row.email, members=members, invited=invited
            )
            if problem:
                row.errors.append(problem)
            if row.email:
                seen[row.email] = line
        rows.append(row)
        if len(rows) > MAX_CSV_ROWS:
            row.errors.append(f"At most {MAX_CSV_ROWS} rows per upload.")
            break
    return rows


IMPORT_BATCH = 500


@transaction.atomic
def bulk_invite(*, program: Program, text: str, actor=None) -> list[IssuedInvitation]:
    """Invite every row, or nobody: any row with an error refuses the whole file.

    The invitations are inserted in batches and summed up by one audit record
    (`invitation.import`, naming every address), written last: the audit chain is held for one
    record, not for the whole file, so revocations and the kill switch do not queue behind it."""
    Invitation.objects.filter(
        program=program,
        status__in=[Invitation.Status.SENT, Invitation.Status.OPENED],
        expires_at__lte=timezone.now(),
    ).update(status=Invitation.Status.EXPIRED)
    rows = check_csv(program=program, text=text)
    if not rows:
        raise OnboardingError("The file has no rows to invite.")
    bad = [row for row in rows if row.errors]
    if bad:
        raise OnboardingError(
            f"{len(bad)} of {len(rows)} rows have errors; nothing was sent. "
            "Fix them and upload again."
        )
    expires_at = timezone.now() + _lifetime()
    # No link secret here: the send task mints it, so none travels through the broker.
    unsaved = (
        Invitation(
            program=program,
            cohort=row.cohort,
            email=row.email,
            name=row.name.strip(),
            digest=_unsendable_digest(),
            expires_at=expires_at,
            invited_by=actor,
        )
        for row in rows
    )
    created = Invitation.objects.bulk_create(unsaved, batch_size=IMPORT_BATCH)
    issued = [IssuedInvitation(invitation=invitation) for invitation in created]
    for one in issued:
        _enqueue_send(one.invitation)
    record(
        action="invitation.import",
        target=program,
        actor=actor,
        program=program.slug,
        count=len(issued),
        emails=[one.invitation.email for one in issued],
    )
    return issued


# --- Lifecycle ------------------------------------------------------------------------------


@transaction.atomic
def resend_invitation(*, invitation: Invitation, actor=None) -> IssuedInvitation:
    """A fresh link and expiry for an invitation not yet accepted or revoked."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status in (Invitation.Status.ACCEPTED, Invitation.Status.REVOKED):
        raise OnboardingError(f"This invitation is {invitation.status}; it cannot be resent.")
    others = Invitation.objects.live().filter(program=invitation.program, email=invitation.email)
    if others.exclude(pk=invitation.pk).exists():
        raise OnboardingError(f"{invitation.email} already has another open invitation.")
    if Membership.objects.filter(
        program=invitation.program, user__email__iexact=invitation.email
    ).exists():
        raise OnboardingError(f"{invitation.email} is already a member of this program.")
    invitation.digest = _unsendable_digest()  # the old link stops working now
    invitation.status = Invitation.Status.SENT
    invitation.expires_at = timezone.now() + _lifetime()
    invitation.save(update_fields=["digest", "status", "expires_at"])
    record(action="invitation.resend", target=invitation, actor=actor, email=invitation.email)
    _enqueue_send(invitation)
    return IssuedInvitation(invitation=invitation)


@transaction.atomic
def revoke_invitation(*, invitation: Invitation, actor=None) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status not in (Invitation.Status.SENT, Invitation.Status.OPENED):
        raise OnboardingError(f"This invitation is {invitation.status}; it cannot be revoked.")
    invitation.status = Invitation.Status.REVOKED
    invitation.save(update_fields=["status"])
    record(action="invitation.revoke", target=invitation, actor=actor, email=invitation.email)
    return invitation


_UNUSABLE = {
    Invitation.Status.ACCEPTED: "This invitation has already been used.",
    Invitation.Status.REVOKED: "This invitation was withdrawn by the program team.",
    Invitation.Status.EXPIRED: "This invitation has expired. Ask the program team for a new one.",
}
NOT_FOUND = "This invitation link is not valid. Check that you copied the whole link."


def usable_invitation(*, invitation: Invitation) -> Invitation:
    """The invitation if it can still be accepted; OnboardingError saying why not otherwise."""
    status = invitation.effective_status
    if status in _UNUSABLE:
        raise OnboardingError(_UNUSABLE[status])
    return invitation


def open_invitation(*, secret: str) -> Invitation:
    """The invitation behind a link, marked opened; OnboardingError if it cannot be used."""
    invitation = (
        Invitation.objects.select_related("program", "cohort")
        .filter(digest=digest(secret or ""))
        .first()
    )
    if invitation is None:
        raise OnboardingError(NOT_FOUND)
    if invitation.effective_status == Invitation.Status.EXPIRED != invitation.status:
        Invitation.objects.filter(pk=invitation.pk).update(status=Invitation.Status.EXPIRED)
    usable_invitation(invitation=invitation)
    if invitation.status == Invitation.Status.SENT:
        invitation.status = Invitation.Status.OPENED
        invitation.opened_at = timezone.now()
        invitation.save(update_fields=["status", "opened_at"])
    return invitation


@transaction.atomic
def accept_invitation(*, invitation_id: int, user) -> Membership:
    """Join the invitation's program and cohort as a tester. Single use: a second call fails."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("program")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise OnboardingError(NOT_FOUND)
    usable_invitation(invitation=invitation)
    if _normalise(user.email) != invitation.email:
        raise OnboardingError(
            f"This invitation is for {invitation.email}; you are signed in as {user.email}."
        )
    if Membership.objects.filter(user=user, program=invitation.program).exists():
        raise OnboardingError("You are already a member of this program.")
    membership = Membership.objects.create(
        user=user,
        program=invitation.program,
        cohort=invitation.cohort,
        role=Membership.Role.TESTER,
        added_by=invitation.invited_by,
    )
    invitation.status = Invitation.Status.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["status", "accepted_at", "accepted_by"])
    record(
        action="invitation.accept",
        target=invitation,
        actor=user,
        program=invitation.program.slug,
        membership=membership.pk,
    )
    return membership


def account_exists(*, email: str) -> bool:
    return get_user_model().objects.filter(email__iexact=_normalise(email)).exists()
