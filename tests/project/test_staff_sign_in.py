"""Staff sign-in feels finished: one password prompt, the page of one's role after sign-in,
two-factor pages in the product's layout, a recovery-codes page that leads on, and a staff
menu apart from the tester's."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from accessprogram.programs.models import Membership
from factories import MembershipFactory, UserFactory

PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's password
SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def mfa_required(settings):
    settings.STAFF_MFA_REQUIRED = True


def give_totp(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": SECRET})


def current_code(secret=SECRET):
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def sign_in(client, user):
    return client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})


LANDINGS = [
    (Membership.Role.TESTER, "portal:home"),
    (Membership.Role.REVIEWER, "review:queue"),
    (Membership.Role.FINANCE, "console:finance"),
    (Membership.Role.PROGRAM_MANAGER, "console:dashboard"),
    (Membership.Role.ADMIN, "console:dashboard"),
]


@pytest.mark.parametrize(("role", "landing"), LANDINGS)
def test_each_role_lands_on_its_own_page(client, program, role, landing):
    member = MembershipFactory(program=program, role=role)
    if role != Membership.Role.TESTER:
        give_totp(member.user)
    response = sign_in(client, member.user)
    if role != Membership.Role.TESTER:  # the second factor first
        assert response["Location"] == reverse("mfa_authenticate")
        response = client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response["Location"] == reverse("after-sign-in")
    assert client.get(reverse("after-sign-in"))["Location"] == reverse(landing)


def test_a_next_page_still_wins_over_the_landing(client, tester):
    response = client.post(
        reverse("account_login") + "?next=/earnings/",
        {"login": tester.user.username, "password": PASSWORD, "next": "/earnings/"},
    )
    assert response["Location"] == "/earnings/"


def test_a_staff_member_who_is_also_a_tester_lands_as_staff(client, program):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    MembershipFactory(user=reviewer.user, role=Membership.Role.TESTER)
    give_totp(reviewer.user)
    client.force_login(reviewer.user)
    assert client.get(reverse("after-sign-in"))["Location"] == reverse("review:queue")


def test_the_password_is_not_asked_again_right_after_sign_in(client, program):
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    sign_in(client, manager.user)
    # No TOTP yet: the console sends them to set it up, and the set-up page opens at once.
    assert client.get("/console/")["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert 'data-testid="mfa-activate"' in page.content.decode()


def test_the_password_is_asked_again_once_the_sign_in_is_old(client, program, settings):
    settings.ACCOUNT_REAUTHENTICATION_TIMEOUT = 0
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    sign_in(client, manager.user)
    response = client.get(reverse("mfa_activate_totp"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="reauthenticate"' in page and 'class="topbar"' in page


def test_mfa_pages_render_in_the_product_layout(client, program):
    manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    sign_in(client, manager.user)
    activate = client.get(reverse("mfa_activate_totp")).content.decode()
    assert 'class="topbar"' in activate and 'class="card narrow"' in activate
    secret = activate.split('id="authenticator_secret" value="')[1].split('"')[0]
    response = client.post(reverse("mfa_activate_totp"), {"code": current_code(secret)})
    assert response.status_code == 302
    codes = client.get(response["Location"])
    if codes.status_code == 302:  # allauth may pass by its settings page first
        codes = client.get(codes["Location"])
    body = codes.content.decode()
    assert 'data-testid="mfa-recovery-codes"' in body and 'class="topbar"' in body
    assert f'href="{reverse("after-sign-in")}"' in body  # the page leads on

    client.logout()
    sign_in(client, manager.user)
    authenticate = client.get(reverse("mfa_authenticate")).content.decode()
    assert 'data-testid="mfa-authenticate"' in authenticate and 'class="topbar"' in authenticate


def nav_of(client):
    html = client.get(reverse("programs:account")).content.decode()
    return html.split('<nav aria-label="Main">')[1].split("</nav>")[0]


def test_staff_see_the_staff_menu_only(client, program):
    finance = MembershipFactory(program=program, role=Membership.Role.FINANCE)
    give_totp(finance.user)
    client.force_login(finance.user)
    nav = nav_of(client)
    assert "Console" in nav and "Finance" in nav
    for tester_item in ("Generate", "API tokens", "Earnings"):
        assert tester_item not in nav


def test_testers_see_the_tester_menu_only(client, tester):
    client.force_login(tester.user)
    nav = nav_of(client)
    assert "Generate" in nav and "API tokens" in nav
    assert "Console" not in nav


def test_staff_who_are_also_testers_see_both(client, program):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    MembershipFactory(user=reviewer.user, role=Membership.Role.TESTER)
    client.force_login(reviewer.user)
    nav = nav_of(client)
    assert "Generate" in nav and "Console" in nav and "Review" in nav


def test_a_superuser_lands_on_the_console(client, db):
    admin = UserFactory(is_staff=True, is_superuser=True)
    give_totp(admin)
    client.force_login(admin)
    assert client.get(reverse("after-sign-in"))["Location"] == reverse("console:dashboard")


def test_staff_without_a_second_factor_land_on_its_set_up(client, program):
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER)
    client.force_login(reviewer.user)
    assert client.get(reverse("after-sign-in"))["Location"] == reverse("mfa_activate_totp")
