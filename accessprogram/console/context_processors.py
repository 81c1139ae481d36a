from .permissions import programs_for


def console_access(request):
    """Whether to show the Console link (evaluated only when a template asks)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_use_console": False}
    return {"can_use_console": lambda: programs_for(user).exists()}
