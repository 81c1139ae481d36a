"""{% quick_rating generation %}: the rating card on a tester's video page."""

from django import template

from generation.models import Generation

from ..selectors import quick_rating_of

register = template.Library()


def generation_done(generation: Generation) -> bool:
    return generation.status == Generation.Status.COMPLETED and generation.deleted_at is None


@register.inclusion_tag("feedback/_quick_rating.html", takes_context=True)
def quick_rating(context, generation: Generation):
    request = context.get("request")
    user = getattr(request, "user", None)
    own = user is not None and user.is_authenticated and generation.tester_id == user.pk
    rating = quick_rating_of(generation=generation, user=user) if own else None
    return {
        "generation": generation,
        "show": own and generation_done(generation),
        # Own video still rendering: the card is fetched once it is done.
        "waiting": own and generation.is_active,
        "rating": rating,
        "form": None,
        "saved": False,
        "csrf_token": context.get("csrf_token"),
        "request": request,
    }
