"""Signing in counts as a recent re-authentication.

allauth asks for the password again before security pages (authenticator app set-up, recovery
codes) unless the session holds a *re*-authentication younger than
ACCOUNT_REAUTHENTICATION_TIMEOUT; the sign-in itself does not count. Staff must set up TOTP
right after their first sign-in, so they were asked for the password they had just typed. Here
the credentials typed to sign in (password, second factor) are marked as re-authentications, so
the prompt appears only once the timeout has passed since sign-in, as intended.
"""

from allauth.account.authentication import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    get_authentication_records,
)
from allauth.account.signals import user_logged_in
from django.dispatch import receiver

TYPED_CREDENTIALS = ("password", "mfa")


@receiver(user_logged_in, dispatch_uid="sign-in-counts-as-reauthentication")
def sign_in_counts_as_reauthentication(sender, request, user, **kwargs):
    records = get_authentication_records(request, user)
    if not any(record.get("method") in TYPED_CREDENTIALS for record in records):
        return  # e.g. signed in by a confirmation link: nothing was typed
    request.session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {**record, "reauthenticated": True} if record.get("method") in TYPED_CREDENTIALS else record
        for record in records
    ]
