"""allauth's failed-login limit (5 per account in 5 minutes) holds across gunicorn workers: the
sixth attempt is refused even with the right password, whichever web process served the first
five.

The server runs settings.py's limits; the autouse fixture that turns them off in tests only
reaches this process."""

import re

import httpx
import pytest

from factories import UserFactory

pytestmark = pytest.mark.e2e

PASSWORD = "correct-horse-battery"  # factories.UserFactory's password
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def sign_in(server, login: str, password: str, *, source: str) -> httpx.Response:
    """The real form, from a client address of its own: the login page, then its POST."""
    transport = httpx.HTTPTransport(local_address=source)
    # One public host name for both processes, as behind a load balancer: allauth keys the
    # failed-login count by site domain (the Host header) and login.
    headers = {"Host": "localhost"}
    with httpx.Client(
        base_url=server.url, transport=transport, timeout=30, headers=headers
    ) as client:
        page = client.get("/accounts/login/")
        csrf = CSRF_FIELD.search(page.text).group(1)
        return client.post(
            "/accounts/login/",
            data={"login": login, "password": password, "csrfmiddlewaretoken": csrf},
        )


def test_the_sixth_attempt_for_one_account_is_refused(web_servers):
    user = UserFactory()
    for n in range(5):  # alternating between the two processes (a per-process cache allowed ~10)
        server = web_servers[n % 2]
        failed = sign_in(server, user.username, "wrong-password", source=f"127.0.1.{10 + n}")
        assert failed.status_code == 200
        assert "not correct" in failed.text

    refused = sign_in(web_servers[1], user.username, PASSWORD, source="127.0.1.20")
    assert refused.status_code == 200  # the form again, not a redirect into the portal
    assert "Too many failed login attempts" in refused.text
    assert "sessionid" not in refused.cookies
    for server in web_servers:
        assert server.workers_that_served("/accounts/login/"), server.tail()
