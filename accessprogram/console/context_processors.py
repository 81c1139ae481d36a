from accessprogram.access import policy


def console_access(request):
    """Which console links to show (each evaluated only when a template asks)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_use_console": False, "can_control_access": False, "can_see_finance": False}
    return {
        "can_use_console": lambda: policy.staff_programs(user).exists(),
        "can_control_access": lambda: policy.staff_programs(user, roles=policy.MANAGER).exists(),
        "can_see_finance": lambda: policy.staff_programs(user, roles=policy.FINANCE).exists(),
    }
