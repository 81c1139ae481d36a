from django.db.models import F

from .models import User


def end_web_sessions(*, user_ids) -> int:
    """End every web session of these users at their next request. Returns users affected."""
    return User.objects.filter(id__in=user_ids).update(session_epoch=F("session_epoch") + 1)
