"""Reads about renditions: what may be served, and what a forensic id points at."""

from django.db.models import OuterRef, QuerySet, Subquery

from accessprogram.access.blocks import membership_blocked
from accessprogram.programs.models import Membership

from ..models import Generation, Rendition

# Who may watch a generation's preview besides its tester (the console's staff roles minus
# finance, who handle money, not outputs; generation may not import the console).
PREVIEW_STAFF_ROLES = (
    Membership.Role.REVIEWER,
    Membership.Role.PROGRAM_MANAGER,
    Membership.Role.ADMIN,
)


def preview_of(*, generation: Generation) -> Rendition | None:
    """The generation's preview in whatever state it is."""
    return Rendition.objects.filter(generation=generation, kind=Rendition.Kind.PREVIEW).first()


def ready_preview(*, generation: Generation) -> Rendition | None:
    return Rendition.objects.filter(
        generation=generation, kind=Rendition.Kind.PREVIEW, status=Rendition.Status.READY
    ).first()


def ready_published_rendition(*, generation: Generation, approval_ref: str) -> Rendition | None:
    """The rendition made for one approval, only once it can be served."""
    return Rendition.objects.filter(
        generation=generation,
        kind=Rendition.Kind.PUBLISHED,
        approval_ref=str(approval_ref),
        status=Rendition.Status.READY,
    ).first()


def rendition_by_forensic_id(*, forensic_id: int) -> Rendition | None:
    return (
        Rendition.objects.select_related("generation__program", "generation__tester")
        .filter(forensic_id=forensic_id)
        .first()
    )


def with_preview_status(generations: QuerySet[Generation]) -> QuerySet[Generation]:
    """Annotate each generation with `preview_status` (None: no preview requested yet) and
    `preview_error`, in the same query, for lists and the API."""
    previews = Rendition.objects.filter(generation=OuterRef("pk"), kind=Rendition.Kind.PREVIEW)
    return generations.annotate(
        preview_status=Subquery(previews.values("status")[:1]),
        preview_error=Subquery(previews.values("error")[:1]),
    )


def is_preview_staff(*, user, program_id: int) -> bool:
    """An active reviewer, program manager or admin of the program (or a superuser)."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    # As in the console: a membership with a suspension or revocation in force gives no powers.
    return (
        Membership.objects.filter(
            user=user,
            program_id=program_id,
            role__in=PREVIEW_STAFF_ROLES,
            status=Membership.Status.ACTIVE,
        )
        .exclude(membership_blocked())
        .exists()
    )
