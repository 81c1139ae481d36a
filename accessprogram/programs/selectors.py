from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import (
    Case,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from .models import Agreement, AgreementAcceptance, Membership, Program, TesterProfile


def tester_memberships(*, user) -> QuerySet[Membership]:
    """Active tester memberships of `user` in active programs."""
    return Membership.objects.filter(
        user=user,
        role=Membership.Role.TESTER,
        status=Membership.Status.ACTIVE,
        program__status=Program.Status.ACTIVE,
    ).select_related("program")


# --- Agreements -----------------------------------------------------------------------------


def current_agreement(*, program) -> Agreement | None:
    return Agreement.objects.filter(program=program).order_by("-version").first()


def pending_agreement_version(*, program_id, user_id, now) -> Subquery:
    """The current agreement version of the program if `user_id` must accept it at `now`, else
    NULL. The one home of the rule "must have accepted the current agreement".

    A version binds from its `required_from` (its publication, or the end of its grace period).
    The user must have accepted the latest version that binds at `now`, or a later one; so while
    a new version is in its grace period, accepting the previous one still gives access.

    An expression for annotations: the arguments are OuterRef()s (or values), so a caller can
    fold the check into its own query instead of running another one."""
    if isinstance(user_id, OuterRef):
        user_id = OuterRef(user_id)  # it is used one subquery deeper, inside Exists
    binding = (
        Agreement.objects.filter(program_id=program_id, required_from__lte=now)
        .annotate(
            accepted=Exists(
                AgreementAcceptance.objects.filter(
                    agreement__program_id=OuterRef("program_id"),
                    agreement__version__gte=OuterRef("version"),
                    user_id=user_id,
                )
            ),
            current=Subquery(
                Agreement.objects.filter(program_id=OuterRef("program_id"))
                .order_by("-version")
                .values("version")[:1]
            ),
        )
        .annotate(
            pending=Case(
                When(accepted=True, then=Value(None)),
                default=F("current"),
                output_field=IntegerField(),
            )
        )
        .order_by("-version")
    )
    return Subquery(binding.values("pending")[:1], output_field=IntegerField())


def memberships_awaiting_agreement(*, user, now=None) -> QuerySet[Membership]:
    """The user's active tester memberships whose program's agreement they must accept now."""
    return (
        tester_memberships(user=user)
        .annotate(
            pending_version=pending_agreement_version(
                program_id=OuterRef("program_id"),
                user_id=OuterRef("user_id"),
                now=now or timezone.now(),
            )
        )
        .filter(pending_version__isnull=False)
        .order_by("program__name")
    )


def agreements_in_grace(*, user, now=None) -> QuerySet[Agreement]:
    """New versions the user has yet to accept that do not bind yet: the portal's banner."""
    now = now or timezone.now()
    return (
        Agreement.objects.filter(
            required_from__gt=now,
            program__memberships__user=user,
            program__memberships__role=Membership.Role.TESTER,
            program__memberships__status=Membership.Status.ACTIVE,
            program__status=Program.Status.ACTIVE,
        )
        .exclude(
            Exists(
                AgreementAcceptance.objects.filter(
                    user=user,
                    agreement__program_id=OuterRef("program_id"),
                    agreement__version__gte=OuterRef("version"),
                )
            )
        )
        .select_related("program")
        .order_by("required_from", "program__name")
    )


def accepted_agreements(*, user, program=None) -> QuerySet[AgreementAcceptance]:
    acceptances = AgreementAcceptance.objects.filter(user=user).select_related("agreement__program")
    if program is not None:
        acceptances = acceptances.filter(agreement__program=program)
    return acceptances.order_by("agreement__program__name", "-agreement__version")


def active_testers(*, program) -> QuerySet[Membership]:
    return Membership.objects.filter(
        program=program, role=Membership.Role.TESTER, status=Membership.Status.ACTIVE
    )


def testers_without_acceptance(*, agreement) -> QuerySet[Membership]:
    """Active testers of the agreement's program who have not accepted this version."""
    return (
        Membership.objects.filter(
            program_id=agreement.program_id,
            role=Membership.Role.TESTER,
            status=Membership.Status.ACTIVE,
        )
        .exclude(user__agreement_acceptances__agreement=agreement)
        .select_related("user", "cohort")
        .order_by("user__email", "pk")
    )


# --- Onboarding checklist -------------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistStep:
    label: str
    done: bool
    url_name: str


def onboarding_checklist(*, user, has_token: bool) -> list[ChecklistStep]:
    """A new tester's first steps. `has_token` comes from the caller (tokens live above us)."""
    return [
        ChecklistStep(
            "Verify your email address",
            EmailAddress.objects.filter(user=user, verified=True).exists(),
            "account_email",
        ),
        ChecklistStep(
            "Accept the program agreement",
            not memberships_awaiting_agreement(user=user).exists(),
            "programs:agreements",
        ),
        ChecklistStep(
            "Set up your profile",
            TesterProfile.objects.filter(user=user).exists(),
            "programs:profile",
        ),
        ChecklistStep("Create your first API token", has_token, "tokens"),
    ]
