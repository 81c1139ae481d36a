"""Where a tester's share request stands, as the portal shows it (list, panel, notifications)."""

from dataclasses import dataclass

from django.urls import reverse

from generation.provenance.selectors import ready_published_rendition

from .models import ShareLink, ShareRequest
from .selectors import live_link

Status = ShareRequest.Status


@dataclass
class ShareState:
    share_request: ShareRequest
    link: ShareLink | None
    share_url: str  # absolute, for copying; empty without a live link
    ready: bool  # the published copy is built: the link opens
    can_resubmit: bool
    can_withdraw: bool

    @property
    def decisions(self):
        return self.share_request.decisions.all()


def share_state(*, share_request: ShareRequest, request) -> ShareState:
    link = (
        live_link(share_request=share_request) if share_request.status == Status.APPROVED else None
    )
    ready = False
    share_url = ""
    if link is not None and not link.in_undo_window():
        share_url = request.build_absolute_uri(reverse("share:page", args=[link.token]))
        ready = getattr(share_request, "published_ready", None)
        if ready is None:
            ready = (
                ready_published_rendition(
                    generation=share_request.generation, approval_ref=str(share_request.pk)
                )
                is not None
            )
    was_resubmitted = getattr(share_request, "was_resubmitted", None)
    if was_resubmitted is None:
        was_resubmitted = ShareRequest.objects.filter(resubmitted_from=share_request).exists()
    return ShareState(
        share_request=share_request,
        link=link,
        share_url=share_url,
        ready=ready,
        can_resubmit=(
            share_request.status in ShareRequest.RESUBMITTABLE
            and share_request.resubmitted_from_id is None
            and not was_resubmitted
        ),
        can_withdraw=share_request.status == Status.PENDING,
    )
