"""Who may open the console: staff roles only; testers and strangers get 404."""

import pytest
from django.urls import reverse

from accessprogram.programs.models import Membership
from factories import MembershipFactory, UserFactory


@pytest.mark.parametrize("role", ["reviewer", "program_manager", "finance", "admin"])
def test_staff_see_their_programs_only(client, program, role):
    staff = MembershipFactory(program=program, role=role)
    other = MembershipFactory(role=Membership.Role.ADMIN).program
    client.force_login(staff.user)
    page = client.get(reverse("console:dashboard"))
    assert page.status_code == 200
    assert program.name in page.content.decode()
    assert other.name not in page.content.decode()
    assert 'href="/console/"' in client.get(reverse("portal:home")).content.decode()


def test_testers_get_404_and_no_console_link(client, tester):
    client.force_login(tester.user)
    assert client.get(reverse("console:dashboard")).status_code == 404
    assert 'href="/console/"' not in client.get(reverse("portal:home")).content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(reverse("console:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_user_without_any_membership_gets_404(client, db):
    client.force_login(UserFactory())
    assert client.get(reverse("console:dashboard")).status_code == 404
