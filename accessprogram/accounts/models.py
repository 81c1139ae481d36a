from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.crypto import salted_hmac


class User(AbstractUser):
    """A person: tester or staff. Roles live on program memberships, not here."""

    email = models.EmailField("email address", unique=True)
    # Bumping this ends every web session of the user at their next request, because the
    # session's auth hash (checked by Django on each request) covers it.
    session_epoch = models.PositiveIntegerField(default=0)

    def _get_session_auth_hash(self, secret=None):
        key_salt = "accessprogram.accounts.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_epoch}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()
