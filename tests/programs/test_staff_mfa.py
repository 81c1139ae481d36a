"""Every staff role sets up two-factor authentication before any staff page; testers need not."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from factories import MembershipFactory, UserFactory

# The Django admin is for Django staff only (see below); its own check answers other roles first.
STAFF_PAGES = ["/console/", "/review/"]


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.STAFF_MFA_REQUIRED = True


def give_totp(user):
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )


@pytest.mark.parametrize("role", ["reviewer", "program_manager", "finance", "admin"])
def test_staff_without_mfa_are_sent_to_set_it_up(client, program, role):
    staff = MembershipFactory(program=program, role=role)
    client.force_login(staff.user)
    for url in [*STAFF_PAGES, reverse("console:program", args=[program.slug])]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp"), url


def test_staff_with_totp_open_the_console(client, program):
    staff = MembershipFactory(program=program, role="reviewer")
    give_totp(staff.user)
    client.force_login(staff.user)
    assert client.get("/console/").status_code == 200


def test_django_staff_without_a_membership_need_mfa_for_the_admin(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    assert client.get("/admin/")["Location"] == reverse("mfa_activate_totp")
    give_totp(admin)
    assert client.get("/admin/").status_code == 200


def test_testers_need_no_mfa(client, tester):
    client.force_login(tester.user)
    assert client.get(reverse("portal:home")).status_code == 200
    assert client.get("/console/").status_code == 404  # not a staff page for them, as before


def test_the_admin_login_goes_through_allauth_so_mfa_cannot_be_skipped(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
