"""Who may use the console: the view helpers over accessprogram.access.policy.

A console page for a program the user holds no staff role in answers 404, like a missing one.
"""

from functools import wraps

from django.http import Http404
from django.shortcuts import get_object_or_404

from accessprogram.access import policy
from accessprogram.access.staff_views import staff_view
from accessprogram.programs.models import Program


def program_for(user, slug: str, *, roles=policy.STAFF) -> Program:
    return get_object_or_404(policy.staff_programs(user, roles), slug=slug)


def staff_required(view):
    """Signed in, TOTP set up, and holding a staff role somewhere; anyone else gets 404."""

    @staff_view
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not policy.staff_programs(request.user).exists():
            raise Http404("No console for you here.")
        return view(request, *args, **kwargs)

    return wrapper
