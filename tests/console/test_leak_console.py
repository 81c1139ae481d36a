"""/console/leaks/: program managers and admins see alerts and reports and decide on them."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accessprogram.access import tokens
from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import ApiToken, LeakAlert, LeakReport
from accessprogram.access.revocation import lift_block
from accessprogram.access.services import revoke_token
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from factories import MembershipFactory, UserFactory, token_for

PAGE = "/console/leaks/"


def call(secret: str, address: str = "198.51.100.7"):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos", REMOTE_ADDR=address)


def stored(secret: str) -> ApiToken:
    return ApiToken.objects.get(digest=tokens.digest(secret))


def trip(secret: str) -> LeakAlert:
    """Use the token from 21 addresses: past the default limit of 20."""
    for n in range(21):
        call(secret, address=f"203.0.113.{n}")
    return LeakAlert.objects.get(token=stored(secret))


@pytest.fixture
def leaked(tester):
    return token_for(tester, "public demo")


@pytest.fixture
def alert(leaked):
    return trip(leaked)


@pytest.fixture
def manager(program):
    return MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER).user


@pytest.fixture
def report(leaked, program):
    revoke_token(token=stored(leaked), reason="found")
    return LeakReport.objects.create(
        token=stored(leaked),
        program=program,
        url="https://github.com/x/y/blob/main/demo.js",
        source="github",
        outcome=LeakReport.Outcome.REVOKED,
    )


def act(client, alert, action, **extra):
    return client.post(f"{PAGE}alerts/{alert.pk}/{action}", **extra)


# --- Who may see and act --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["program_manager", "admin"])
def test_access_staff_see_alerts_of_their_programs_only(client, program, alert, leaked, role):
    user = MembershipFactory(program=program, role=role).user
    elsewhere_tester = MembershipFactory(role=Membership.Role.TESTER)
    elsewhere = trip(token_for(elsewhere_tester))
    client.force_login(user)
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'id="leak-alert-{alert.pk}"' in html
    assert f'id="leak-alert-{elsewhere.pk}"' not in html
    assert leaked[:12] in html and leaked not in html
    assert 'href="/console/leaks/"' in html  # the console navigation links here
    assert act(client, elsewhere, "acknowledge").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "finance", "tester"])
def test_other_roles_get_404(client, program, alert, role):
    user = MembershipFactory(program=program, role=role).user
    client.force_login(user)
    assert client.get(PAGE).status_code == 404
    assert act(client, alert, "revoke").status_code == 404
    assert LeakAlert.objects.get().status == "open"


def test_a_manager_of_another_program_gets_404_for_this_one(client, alert):
    other = MembershipFactory(role=Membership.Role.PROGRAM_MANAGER).user
    client.force_login(other)
    assert client.get(PAGE).status_code == 200  # their own (empty) list
    assert act(client, alert, "reinstate").status_code == 404
    assert stored_alert(alert).status == "open"


def test_signed_out_visitors_are_sent_to_sign_in(client, alert):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert act(client, alert, "revoke").status_code == 302
    assert stored_alert(alert).status == "open"


def test_a_user_without_memberships_gets_404(client, db):
    client.force_login(UserFactory())
    assert client.get(PAGE).status_code == 404


def test_actions_need_post_and_csrf(manager, alert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.get(f"{PAGE}alerts/{alert.pk}/revoke").status_code == 405
    assert act(client, alert, "revoke").status_code == 403
    assert stored_alert(alert).status == "open"


def test_an_unknown_action_is_404(client, manager, alert):
    client.force_login(manager)
    assert act(client, alert, "delete").status_code == 404


def stored_alert(alert) -> LeakAlert:
    return LeakAlert.objects.get(pk=alert.pk)


# --- The evidence -----------------------------------------------------------------------------


def test_the_evidence_shows_addresses_with_counts_times_and_bars(client, manager, leaked, alert):
    call(leaked, address="203.0.113.0")  # refused: the token is suspended, nothing counted
    client.force_login(manager)
    html = client.get(PAGE).content.decode()
    for n in range(21):
        assert f"<code>203.0.113.{n}</code>" in html
    assert html.count('class="leak-bar"') == 21 + 1  # addresses, plus the one user agent
    assert 'style="width: 100%"' in html
    assert "Many client addresses" in html
    assert "suspended" in html
    assert "Revoke token for good" in html and "Reinstate token" in html


def test_resolved_alerts_leave_the_list(client, manager, alert):
    client.force_login(manager)
    act(client, alert, "resolve")
    assert f'id="leak-alert-{alert.pk}"' not in client.get(PAGE).content.decode()


# --- Decisions --------------------------------------------------------------------------------


def test_acknowledge_keeps_the_token_suspended(client, manager, leaked, alert):
    client.force_login(manager)
    response = act(client, alert, "acknowledge")
    assert response.status_code == 302 and response["Location"] == PAGE
    alert = stored_alert(alert)
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", manager)
    assert call(leaked, address="192.0.2.1").status_code == 401
    assert AuditRecord.objects.filter(action="leak.alert_acknowledged").count() == 1
    assert "Acknowledge</button>" not in client.get(PAGE).content.decode()


def test_revoke_for_good(client, manager, leaked, alert):
    client.force_login(manager)
    act(client, alert, "revoke")
    alert = stored_alert(alert)
    assert (alert.status, alert.resolution, alert.resolved_by) == ("resolved", "revoked", manager)
    token = stored(leaked)
    assert token.revoked_at is not None and f"#{alert.pk}" in token.revoked_reason
    response = call(leaked, address="192.0.2.1")
    assert response.status_code == 401
    assert "revoked" in response.json()["error"]["message"]


def test_reinstate_lifts_the_suspension_and_counts_afresh(
    client, manager, leaked, alert, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        act(client, alert, "reinstate")
    alert = stored_alert(alert)
    assert (alert.status, alert.resolution) == ("resolved", "reinstated")
    assert not blocks_in_force().exists()
    # The 21 addresses of the minute are forgotten: the token works again from a 22nd one...
    assert call(leaked, address="192.0.2.1").status_code == 200
    # ...and a new spread raises a new alert.
    statuses = [call(leaked, address=f"198.18.0.{n}").status_code for n in range(21)]
    assert statuses == [200] * 19 + [403, 401]
    assert LeakAlert.objects.filter(token=stored(leaked)).count() == 2


def test_reinstating_a_token_revoked_meanwhile_is_refused(client, manager, leaked, alert):
    revoke_token(token=stored(leaked), reason="revoked by the owner")
    client.force_login(manager)
    act(client, alert, "reinstate")
    assert stored_alert(alert).status == "open"
    page = client.get(PAGE).content.decode()
    assert "cannot be reinstated" in page
    assert "Reinstate token" not in page  # no such button on a revoked token


def test_resolve_leaves_the_token_suspended(client, manager, leaked, alert):
    client.force_login(manager)
    act(client, alert, "resolve")
    alert = stored_alert(alert)
    assert (alert.status, alert.resolution) == ("resolved", "dismissed")
    assert call(leaked, address="192.0.2.1").status_code == 401


def test_acting_on_a_resolved_alert_says_so(client, manager, alert):
    client.force_login(manager)
    act(client, alert, "resolve")
    act(client, alert, "revoke")
    assert "resolved already" in client.get(PAGE).content.decode()
    assert stored_alert(alert).resolution == "dismissed"


def test_with_htmx_the_updated_card_comes_back(client, manager, alert):
    client.force_login(manager)
    response = act(client, alert, "acknowledge", headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<article")
    assert f'id="leak-alert-{alert.pk}"' in html
    assert "Acknowledged" in html and "Alert acknowledged" in html


def test_one_alert_while_unresolved_even_if_lifted_elsewhere(manager, leaked, alert):
    """Staff lifted the suspension from the program page: their call stands, no second alert."""
    lift_block(block=alert.suspension, actor=manager)
    assert call(leaked, address="192.0.2.1").status_code == 200
    assert call(leaked, address="192.0.2.2").status_code == 200
    assert LeakAlert.objects.count() == 1
    assert not blocks_in_force().exists()


# --- Reports ----------------------------------------------------------------------------------


def test_reports_are_listed_and_can_be_acknowledged_then_resolved(client, manager, report):
    client.force_login(manager)
    html = client.get(PAGE).content.decode()
    assert f'id="leak-report-{report.pk}"' in html
    assert "https://github.com/x/y/blob/main/demo.js" in html
    assert 'rel="noopener noreferrer nofollow"' in html

    client.post(f"{PAGE}reports/{report.pk}/acknowledge")
    report.refresh_from_db()
    assert (report.status, report.handled_by) == ("acknowledged", manager)
    client.post(f"{PAGE}reports/{report.pk}/resolve")
    report.refresh_from_db()
    assert report.status == "resolved"
    assert f'id="leak-report-{report.pk}"' not in client.get(PAGE).content.decode()
    assert AuditRecord.objects.filter(action__startswith="leak.report_").count() == 2


def test_reports_of_other_programs_are_404(client, report):
    other = MembershipFactory(role=Membership.Role.ADMIN).user
    client.force_login(other)
    assert client.post(f"{PAGE}reports/{report.pk}/resolve").status_code == 404
    report.refresh_from_db()
    assert report.status == "open"


def test_report_htmx_partial(client, manager, report):
    client.force_login(manager)
    response = client.post(f"{PAGE}reports/{report.pk}/resolve", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert f'id="leak-report-{report.pk}"' in html and "Report resolved." in html
    assert "Resolve</button>" not in html
