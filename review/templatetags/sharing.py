"""Template tags of sharing: the "Request to share" panel on a video page, the nav links."""

from django import template

from accessprogram.access import policy

from ..forms import REASON_LABELS
from ..models import ShareRequest
from ..selectors import unread_notification_count
from ..sharing import share_state

register = template.Library()


@register.inclusion_tag("review/_share_panel_body.html", takes_context=True)
def share_panel(context, generation):
    """Where sharing `generation` stands for its owner: ask, follow, copy the link."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"generation": generation, "state": None, "hidden": True}
    latest = (
        ShareRequest.objects.filter(generation=generation, requested_by=request.user)
        .select_related("program", "generation")
        .order_by("-created_at", "-id")
        .first()
    )
    return {
        "generation": generation,
        "state": share_state(share_request=latest, request=request) if latest else None,
    }


@register.inclusion_tag("review/_nav.html", takes_context=True)
def sharing_nav(context):
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return {"hidden": True}
    user = request.user
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "current": current,
        "is_reviewer": bool(policy.reviewable_program_ids(user)),
        "unread": unread_notification_count(user=user),
    }


@register.filter
def reason_label(code: str) -> str:
    """A rejection reason code as people read it."""
    return REASON_LABELS.get(code, code)
