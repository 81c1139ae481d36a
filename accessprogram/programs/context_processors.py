from .selectors import agreements_in_grace


def agreement_notices(request):
    """New agreement versions the tester has yet to accept within their grace period, for the
    banner on every page (lazy: a query only when a page shows it)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"agreement_notices": ()}
    return {"agreement_notices": lambda: agreements_in_grace(user=user)}
