"""Writes for programs: agreements (and, in invitations.py, invitations)."""

from datetime import timedelta
from zoneinfo import available_timezones

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from accessprogram.audit.services import record

from .models import (
    Agreement,
    AgreementAcceptance,
    AgreementDraft,
    Cohort,
    Membership,
    Program,
    TesterProfile,
)


class OnboardingError(Exception):
    """Bad input for an onboarding step; the message is shown to the person as it is."""


# A grace period longer than this is a second program, not a notice period.
MAX_GRACE_DAYS = 90


@transaction.atomic
def save_agreement_draft(*, program: Program, text: str, title: str = "", actor=None):
    """Write the program's next agreement version as a draft, to preview before publishing."""
    text = text.strip()
    if not text:
        raise OnboardingError("The agreement text is empty.")
    draft, _ = AgreementDraft.objects.update_or_create(
        program=program,
        defaults={"title": title.strip() or "Program agreement", "text": text, "updated_by": actor},
    )
    record(action="agreement.draft", target=draft, actor=actor, program=program.slug)
    return draft


@transaction.atomic
def publish_agreement(
    *, program: Program, text: str, title: str = "", actor=None, grace_days: int = 0, now=None
) -> Agreement:
    """Publish the next version of the program's agreement; every tester must accept it anew.

    With `grace_days`, the version binds only that many days later: until then testers keep
    the access the previous version gave them, see a banner and get an email. The program's
    draft, if any, is used up."""
    text = text.strip()
    if not text:
        raise OnboardingError("The agreement text is empty.")
    if not 0 <= grace_days <= MAX_GRACE_DAYS:
        raise OnboardingError(f"The grace period is 0 to {MAX_GRACE_DAYS} days.")
    now = now or timezone.now()
    # Lock the program row so two publishers cannot pick the same version number.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    latest = Agreement.objects.filter(program=program).aggregate(v=Max("version"))["v"] or 0
    agreement = Agreement.objects.create(
        program=program,
        version=latest + 1,
        title=title.strip() or "Program agreement",
        text=text,
        published_at=now,
        required_from=now + timedelta(days=grace_days),
        published_by=actor,
    )
    AgreementDraft.objects.filter(program=program).delete()
    record(
        action="agreement.publish",
        target=agreement,
        actor=actor,
        program=program.slug,
        version=agreement.version,
        grace_days=grace_days,
        required_from=agreement.required_from.isoformat(),
    )
    from .tasks import send_agreement_notices  # tasks imports this module

    transaction.on_commit(lambda: send_agreement_notices.delay(agreement.pk))
    return agreement


@transaction.atomic
def discard_agreement_draft(*, program: Program, actor=None) -> None:
    draft = AgreementDraft.objects.filter(program=program).first()
    if draft is not None:
        record(action="agreement.draft_discard", target=draft, actor=actor, program=program.slug)
        draft.delete()


def publish_draft(*, program: Program, actor=None, grace_days: int = 0) -> Agreement:
    """Publish the program's draft as its next version (see publish_agreement)."""
    draft = AgreementDraft.objects.filter(program=program).first()
    if draft is None:
        raise OnboardingError("There is no draft to publish; write one first.")
    return publish_agreement(
        program=program, text=draft.text, title=draft.title, actor=actor, grace_days=grace_days
    )


def accept_agreement(*, user, agreement: Agreement, ip_address: str | None) -> AgreementAcceptance:
    """Record that `user` accepted this version. Accepting twice keeps the first acceptance."""
    existing = AgreementAcceptance.objects.filter(user=user, agreement=agreement).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            acceptance = AgreementAcceptance.objects.create(
                user=user, agreement=agreement, ip_address=ip_address or None
            )
            record(
                action="agreement.accept",
                target=acceptance,
                actor=user,
                program=agreement.program.slug,
                version=agreement.version,
                ip_address=ip_address,
            )
    except IntegrityError:  # a double submit raced us: the first one counts
        return AgreementAcceptance.objects.get(user=user, agreement=agreement)
    return acceptance


@transaction.atomic
def save_profile(*, user, display_name: str, portfolio_url: str = "", timezone_name: str = "UTC"):
    if not display_name.strip():
        raise OnboardingError("Enter a display name.")
    if timezone_name not in available_timezones():
        raise OnboardingError(f"Unknown time zone “{timezone_name}”.")
    profile, _ = TesterProfile.objects.update_or_create(
        user=user,
        defaults={
            "display_name": display_name.strip(),
            "portfolio_url": portfolio_url.strip(),
            "timezone": timezone_name,
        },
    )
    record(action="profile.update", target=profile, actor=user)
    return profile


@transaction.atomic
def change_membership(*, membership: Membership, role: str, cohort: Cohort | None, actor) -> bool:
    """Change a member's role and cohort. Returns False when nothing changed."""
    if cohort is not None and cohort.program_id != membership.program_id:
        raise OnboardingError("That cohort belongs to another program.")
    if role not in Membership.Role.values:
        raise OnboardingError("Unknown role.")
    membership = Membership.objects.select_for_update(of=("self",)).get(pk=membership.pk)
    before = {"role": membership.role, "cohort": membership.cohort_id}
    after = {"role": role, "cohort": cohort.pk if cohort else None}
    if before == after:
        return False
    Membership.objects.filter(pk=membership.pk).update(role=role, cohort=cohort)
    if before["role"] != role:
        record(
            action="membership.role_changed",
            target=membership,
            actor=actor,
            program=membership.program.slug,
            old=before["role"],
            new=role,
        )
    if before["cohort"] != after["cohort"]:
        record(
            action="membership.cohort_changed",
            target=membership,
            actor=actor,
            program=membership.program.slug,
            old=before["cohort"],
            new=after["cohort"],
        )
    return True


@transaction.atomic
def create_cohort(
    *,
    program: Program,
    name: str,
    starts_on=None,
    ends_on=None,
    daily_generation_quota: int | None = None,
    running_jobs_per_tester: int | None = None,
    actor,
) -> Cohort:
    name = name.strip()
    if not name:
        raise OnboardingError("A cohort needs a name.")
    if starts_on and ends_on and ends_on < starts_on:
        raise OnboardingError("A cohort cannot end before it starts.")
    if Cohort.objects.filter(program=program, name__iexact=name).exists():
        raise OnboardingError(f"The program already has a cohort called {name}.")
    cohort = Cohort.objects.create(
        program=program,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        daily_generation_quota=daily_generation_quota,
        running_jobs_per_tester=running_jobs_per_tester,
    )
    record(action="cohort.created", target=cohort, actor=actor, program=program.slug, name=name)
    return cohort


PROGRAM_SETTINGS = (
    "status",
    "daily_generation_quota",
    "running_jobs_per_tester",
    "active_jobs_per_tester",
    "allowed_seconds",
    "allowed_sizes",
    "approval_policy",
    "watermark_position",
    "watermark_opacity",
    "applications_open",
    "share_links_on_tester_revocation",
    "max_live_tokens",
)


@transaction.atomic
def update_program_settings(*, program: Program, actor, **changes) -> list[str]:
    """Apply settings changes; returns the names of fields that changed (each audited)."""
    unknown = set(changes) - set(PROGRAM_SETTINGS)
    if unknown:
        raise OnboardingError(f"Not a program setting: {', '.join(sorted(unknown))}.")
    program = Program.objects.select_for_update().get(pk=program.pk)
    changed = {
        name: (getattr(program, name), value)
        for name, value in changes.items()
        if getattr(program, name) != value
    }
    if not changed:
        return []
    for name, (_, value) in changed.items():
        setattr(program, name, value)
    program.full_clean()
    program.save(update_fields=list(changed))
    record(
        action="program.settings_changed",
        target=program,
        actor=actor,
        program=program.slug,
        changes={name: {"old": old, "new": new} for name, (old, new) in changed.items()},
    )
    return list(changed)
