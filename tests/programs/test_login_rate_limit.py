"""Failed sign-ins are rate limited, and the message never tells whether an account exists."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from factories import UserFactory


@pytest.fixture(autouse=True)
def rate_limits(settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}  # as in settings.py
    cache.clear()
    yield
    cache.clear()


def attempt(client, login, password="wrong-password"):  # noqa: S107
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_repeated_failures_lock_the_account_out_for_a_while(client, db):
    cache.clear()
    user = UserFactory()
    for _ in range(5):
        response = attempt(client, user.username)
        assert "not correct" in response.content.decode()
    locked = attempt(client, user.username, password="correct-horse-battery")
    assert "Too many failed login attempts" in locked.content.decode()
    assert not locked.wsgi_request.user.is_authenticated
    cache.clear()


def test_unknown_and_known_accounts_get_the_same_message(client, db):
    cache.clear()
    known = attempt(client, UserFactory().username).content.decode()
    unknown = attempt(client, "nobody-here").content.decode()
    message = "The username and/or password you specified are not correct."
    assert message in known and message in unknown
    cache.clear()
