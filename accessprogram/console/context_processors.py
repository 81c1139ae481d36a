from .permissions import ACCESS_CONTROL_ROLES, FINANCE_ROLES, programs_for


def console_access(request):
    """Which console links to show (each evaluated only when a template asks)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_use_console": False, "can_control_access": False, "can_see_finance": False}
    return {
        "can_use_console": lambda: programs_for(user).exists(),
        "can_control_access": lambda: programs_for(user, roles=ACCESS_CONTROL_ROLES).exists(),
        "can_see_finance": lambda: programs_for(user, roles=FINANCE_ROLES).exists(),
    }
