from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.db.models import Case, Exists, F, OuterRef, QuerySet, Subquery, Value, When

from .models import Agreement, AgreementAcceptance, Membership, Program, TesterProfile


def tester_memberships(*, user) -> QuerySet[Membership]:
    """Active tester memberships of `user` in active programs."""
    return Membership.objects.filter(
        user=user,
        role=Membership.Role.TESTER,
        status=Membership.Status.ACTIVE,
        program__status=Program.Status.ACTIVE,
    ).select_related("program")


def staff_program_ids(*, user) -> set[int]:
    """Programs in which `user` holds an active staff role."""
    return set(
        Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        .exclude(role=Membership.Role.TESTER)
        .values_list("program_id", flat=True)
    )


# --- Agreements -----------------------------------------------------------------------------


def current_agreement(*, program) -> Agreement | None:
    return Agreement.objects.filter(program=program).order_by("-version").first()


def pending_agreement_version(*, program_id, user_id) -> Subquery:
    """The current agreement version of the program if `user_id` has not accepted it, else NULL.

    An expression for annotations: the arguments are OuterRef()s (or values), so a caller can
    fold the check into its own query instead of running another one."""
    if isinstance(user_id, OuterRef):
        user_id = OuterRef(user_id)  # it is used one subquery deeper, inside Exists
    latest = (
        Agreement.objects.filter(program_id=program_id)
        .annotate(
            accepted=Exists(
                AgreementAcceptance.objects.filter(agreement_id=OuterRef("pk"), user_id=user_id)
            )
        )
        .annotate(pending=Case(When(accepted=True, then=Value(None)), default=F("version")))
        .order_by("-version")
    )
    return Subquery(latest.values("pending")[:1])


def memberships_awaiting_agreement(*, user) -> QuerySet[Membership]:
    """The user's active tester memberships whose program's current agreement they must accept."""
    return (
        tester_memberships(user=user)
        .annotate(
            pending_version=pending_agreement_version(
                program_id=OuterRef("program_id"), user_id=OuterRef("user_id")
            )
        )
        .filter(pending_version__isnull=False)
        .order_by("program__name")
    )


def accepted_agreements(*, user, program=None) -> QuerySet[AgreementAcceptance]:
    acceptances = AgreementAcceptance.objects.filter(user=user).select_related("agreement__program")
    if program is not None:
        acceptances = acceptances.filter(agreement__program=program)
    return acceptances.order_by("agreement__program__name", "-agreement__version")


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
