"""One way to sign a test client in (the sign-in pages themselves are tested with the form)."""

from django.test import Client


def signed_in(who, *, client: Client | None = None) -> Client:
    """A client signed in as `who`, a user or a membership (its user): the session is set
    directly, as after a completed sign-in.

    The user is read afresh, as a sign-in would: the session records the user's current session
    epoch, which a block or "end sessions" may have moved since `who` was loaded."""
    user = getattr(who, "user", who)
    client = client or Client()
    client.force_login(type(user).objects.get(pk=user.pk))
    return client
