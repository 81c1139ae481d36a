"""allauth's account pages render in the portal layout; users see and end their own sessions."""

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client
from django.urls import reverse

PASSWORD = "correct-horse-battery"


def signed_in_client(user) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    "name", ["programs:account", "account_email", "mfa_index", "usersessions_list"]
)
def test_account_pages_render_in_the_portal_layout(tester, name):
    client = signed_in_client(tester.user)
    page = client.get(reverse(name))
    assert page.status_code == 200
    assert 'class="topbar"' in page.content.decode()


def test_a_user_ends_their_other_sessions(tester):
    laptop = signed_in_client(tester.user)
    phone = signed_in_client(tester.user)
    assert UserSession.objects.filter(user=tester.user).count() == 2
    response = laptop.post(reverse("usersessions_list"))
    assert response.status_code == 302
    assert phone.get(reverse("portal:home")).status_code == 302  # signed out
    assert laptop.get(reverse("portal:home")).status_code == 200


@pytest.mark.parametrize("name", ["account_login", "account_reset_password", "account_signup"])
def test_signed_out_account_pages_render_in_the_portal_layout(client, db, name):
    page = client.get(reverse(name))
    assert page.status_code == 200
    assert 'class="topbar"' in page.content.decode()
