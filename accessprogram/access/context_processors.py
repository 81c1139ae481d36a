from accessprogram.programs.selectors import tester_memberships

from . import policy
from .blocks import tester_blocks


def access_notices(request):
    """Blocks on the signed-in tester's programs, for the banner on every page (lazy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"access_notices": ()}
    return {"access_notices": lambda: tester_blocks(user=user)}


def navigation(request):
    """Which menu a signed-in user sees (lazy). Staff see the staff menu only, unless they are
    also testers somewhere; someone with no role at all sees the tester's menu, which explains
    itself."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"show_tester_nav": False, "can_review": False}
    return {
        "show_tester_nav": lambda: (
            tester_memberships(user=user).exists() or not policy.is_staff_user(user)
        ),
        "can_review": lambda: bool(policy.reviewable_program_ids(user)),
    }
