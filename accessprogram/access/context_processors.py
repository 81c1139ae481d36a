from .blocks import tester_blocks


def access_notices(request):
    """Blocks on the signed-in tester's programs, for the banner on every page (lazy)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"access_notices": ()}
    return {"access_notices": lambda: tester_blocks(user=user)}
