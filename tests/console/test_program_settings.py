"""Program managers edit a program's settings in the console; changes are audited."""

import pytest
from django.urls import reverse

from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from factories import MembershipFactory

VALID = {
    "status": "active",
    "daily_generation_quota": 20,
    "running_jobs_per_tester": 2,
    "active_jobs_per_tester": 10,
    "allowed_seconds": [4, 8],
    "allowed_sizes": ["1280x720"],
    "approval_policy": "two_reviewers",
    "watermark_position": "top_left",
    "watermark_opacity": 40,
    "max_live_tokens": 5,
}


@pytest.fixture
def manager(client, program):
    client.force_login(MembershipFactory(program=program, role=Membership.Role.ADMIN).user)


def test_settings_are_saved_and_audited(client, manager, program):
    response = client.post(reverse("console:program-settings", args=[program.slug]), VALID)
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.allowed_seconds == [4, 8]
    assert program.allowed_sizes == ["1280x720"]
    assert (program.daily_generation_quota, program.approval_policy) == (20, "two_reviewers")
    record = AuditRecord.objects.get(action="program.settings_changed")
    assert record.data["changes"]["watermark_opacity"] == {"old": 60, "new": 40}


@pytest.mark.parametrize(
    "bad",
    [
        {"watermark_opacity": 150},
        {"allowed_seconds": []},
        {"allowed_sizes": ["640x480"]},
        {"running_jobs_per_tester": 0},
    ],
)
def test_bad_settings_show_errors_and_change_nothing(client, manager, program, bad):
    response = client.post(
        reverse("console:program-settings", args=[program.slug]), {**VALID, **bad}
    )
    assert response.status_code == 422
    program.refresh_from_db()
    assert program.daily_generation_quota == 50
    assert not AuditRecord.objects.filter(action="program.settings_changed").exists()


def test_only_managers_of_the_program_may_open_settings(client, program):
    client.force_login(MembershipFactory(program=program, role=Membership.Role.REVIEWER).user)
    assert client.get(reverse("console:program-settings", args=[program.slug])).status_code == 404
    client.force_login(MembershipFactory(role=Membership.Role.ADMIN).user)  # another program
    assert client.get(reverse("console:program-settings", args=[program.slug])).status_code == 404
