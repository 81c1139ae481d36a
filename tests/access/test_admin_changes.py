"""The Django admin cannot change access without an audit record (finding 5).

Memberships (role), API tokens (membership, expiry, revocation) and leak alerts are read-only
there: the console's services change them and record who did. Anomaly policies have no console
page, so the admin's changes to them go through a service that records them.
"""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from accessprogram.access.models import AnomalyPolicy, ApiToken, LeakAlert
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from factories import UserFactory, token_for


@pytest.fixture
def admin_user(db):
    user = UserFactory(is_staff=True, is_superuser=True)
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    return user


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_membership_role_cannot_be_changed_in_the_admin(admin_client, tester):
    url = reverse("admin:programs_membership_change", args=[tester.pk])
    assert admin_client.get(url).status_code == 200  # still visible
    response = admin_client.post(url, {"role": "admin", "status": "active", "user": tester.user_id})
    assert response.status_code == 403
    tester.refresh_from_db()
    assert tester.role == Membership.Role.TESTER
    assert admin_client.get(reverse("admin:programs_membership_add")).status_code == 403


def test_the_programs_member_list_in_the_admin_is_read_only(admin_client, tester):
    page = admin_client.get(reverse("admin:programs_program_change", args=[tester.program_id]))
    assert page.status_code == 200
    assert 'name="memberships-0-role"' not in page.content.decode()


def test_tokens_cannot_be_moved_extended_or_unrevoked_in_the_admin(admin_client, tester):
    token_for(tester)
    token = ApiToken.objects.get()
    url = reverse("admin:access_apitoken_change", args=[token.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, {"name": "x", "membership": tester.pk, "expires_at_0": ""})
    assert response.status_code == 403
    delete = reverse("admin:access_apitoken_delete", args=[token.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk, name="test token").exists()


def test_leak_alerts_cannot_be_resolved_in_the_admin(admin_client, tester):
    token_for(tester)
    alert = LeakAlert.objects.create(
        token=ApiToken.objects.get(), program=tester.program, kind="burst"
    )
    url = reverse("admin:access_leakalert_change", args=[alert.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"status": "resolved"}).status_code == 403
    alert.refresh_from_db()
    assert alert.status == LeakAlert.Status.OPEN


def test_anomaly_policy_changes_in_the_admin_are_audited(admin_client, admin_user, program):
    add = reverse("admin:access_anomalypolicy_add")
    response = admin_client.post(
        add, {"program": program.pk, "enabled": "on", "max_addresses": "50"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = AnomalyPolicy.objects.get()
    change = reverse("admin:access_anomalypolicy_change", args=[policy.pk])
    admin_client.post(change, {"program": program.pk, "max_addresses": "10"})  # and disabled
    delete = reverse("admin:access_anomalypolicy_delete", args=[policy.pk])
    admin_client.post(delete, {"post": "yes"})
    assert not AnomalyPolicy.objects.exists()
    records = AuditRecord.objects.filter(action__startswith="anomaly_policy.").order_by("id")
    assert [r.action for r in records] == [
        "anomaly_policy.created",
        "anomaly_policy.changed",
        "anomaly_policy.deleted",
    ]
    assert {r.actor for r in records} == {admin_user}
    changed = records[1].data["changes"]
    assert changed["enabled"] == {"old": True, "new": False}
    assert changed["max_addresses"] == {"old": 50, "new": 10}
    assert records[0].data["program"] == program.slug
