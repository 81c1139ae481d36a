"""Who may reach a view, decided on the view itself: public, tester (signed in) or staff.

Every view in the URL conf carries one of these decisions (tests/project/test_view_access.py
walks the URL conf and fails on a view without one). The staff decision, with its second
factor, is accessprogram.access.staff_views.staff_view (the rule it applies lives in the access
layer, above this one). What each role may do, for which program, is
accessprogram.access.policy; this only decides who gets that far.
"""

from django.contrib.auth.decorators import login_required

PUBLIC = "public"
TESTER = "tester"
STAFF = "staff"

# The attribute each decorator sets; functools.wraps carries it through outer decorators.
MARKER = "access_decision"


def access_decision(view) -> str | None:
    """The decision on a URL callback: a decorated function, or a class-based view's class."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        decision = getattr(candidate, MARKER, None)
        if decision is not None:
            return decision
    return None


def mark(view, decision: str):
    setattr(view, MARKER, decision)
    return view


def public_view(view):
    """Anyone, signed in or not (share pages, applications, signed webhooks, API docs)."""
    return mark(view, PUBLIC)


def tester_view(view):
    """Any signed-in user; the view itself limits them to their own things."""
    return mark(login_required(view), TESTER)


def token_api_view(view_class):
    """A DRF view authenticated by a tester API token (its authentication refuses anyone else)."""
    return mark(view_class, TESTER)
