"""Program managers filter members and change their role or cohort; every change is audited."""

import pytest
from django.urls import reverse

from accessprogram.access.models import AccessBlock
from accessprogram.access.revocation import block_access
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Cohort, Membership
from factories import MembershipFactory, UserFactory


@pytest.fixture
def manager(client, program):
    staff = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(staff.user)
    return staff


@pytest.fixture
def roster(program):
    wave = Cohort.objects.create(program=program, name="Wave 1")
    return {
        "ana": MembershipFactory(program=program, cohort=wave, user=UserFactory(username="ana")),
        "bo": MembershipFactory(program=program, user=UserFactory(username="bo")),
        "cy": MembershipFactory(
            program=program, role=Membership.Role.REVIEWER, user=UserFactory(username="cy")
        ),
        "di": MembershipFactory(
            program=program, status=Membership.Status.SUSPENDED, user=UserFactory(username="di")
        ),
        "wave": wave,
    }


def listed(client, program, **params) -> set[str]:
    page = client.get(reverse("console:program", args=[program.slug]), params).content.decode()
    members = page.split('id="members-heading"')[1]
    return {name for name in ("ana", "bo", "cy", "di") if f"{name}@example.com" in members}


def test_filters_and_search(client, manager, program, roster):
    assert listed(client, program) == {"ana", "bo", "cy", "di"}
    assert listed(client, program, role="reviewer") == {"cy"}
    assert listed(client, program, cohort=roster["wave"].pk) == {"ana"}
    assert listed(client, program, status="suspended") == {"di"}
    assert listed(client, program, q="bo@") == {"bo"}


def test_changing_role_and_cohort_is_audited(client, manager, program, roster):
    member = roster["bo"]
    response = client.post(
        reverse("console:member-change", args=[program.slug, member.pk]),
        {"role": "reviewer", "cohort": roster["wave"].pk},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.role, member.cohort) == ("reviewer", roster["wave"])
    actions = set(
        AuditRecord.objects.filter(target_id=str(member.pk)).values_list("action", flat=True)
    )
    assert {"membership.role_changed", "membership.cohort_changed"} <= actions


def test_a_cohort_of_another_program_is_refused(client, manager, program, roster):
    foreign = Cohort.objects.create(program=MembershipFactory().program, name="Elsewhere")
    client.post(
        reverse("console:member-change", args=[program.slug, roster["ana"].pk]),
        {"role": "tester", "cohort": foreign.pk},
    )
    roster["ana"].refresh_from_db()
    assert roster["ana"].cohort == roster["wave"]


def test_only_managers_of_the_program_may_change_members(client, program, roster):
    client.force_login(roster["cy"].user)  # a reviewer of this program
    url = reverse("console:member-change", args=[program.slug, roster["bo"].pk])
    assert client.post(url, {"role": "admin"}).status_code == 404
    roster["bo"].refresh_from_db()
    assert roster["bo"].role == "tester"


def test_a_manager_creates_a_cohort_with_overrides(client, manager, program):
    client.post(
        reverse("console:cohort-create", args=[program.slug]),
        {
            "name": "Wave 2",
            "starts_on": "2026-12-01",
            "ends_on": "2027-01-31",
            "daily_generation_quota": 5,
        },
    )
    wave = Cohort.objects.get(program=program, name="Wave 2")
    assert (wave.daily_generation_quota, wave.running_jobs_per_tester) == (5, None)
    assert AuditRecord.objects.filter(action="cohort.created", target_id=str(wave.pk)).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"name": ""},
        {"name": "Backwards", "starts_on": "2027-01-31", "ends_on": "2026-12-01"},
        {"name": "Wave 1"},  # exists already
    ],
)
def test_bad_cohorts_are_refused_and_nothing_is_written(client, manager, program, roster, data):
    response = client.post(reverse("console:cohort-create", args=[program.slug]), data, follow=True)
    assert "No cohort was created" in response.content.decode()
    assert Cohort.objects.filter(program=program).count() == 1


def test_staff_can_sign_a_member_out_everywhere(client, manager, program, roster):
    member = roster["bo"]
    other = client.__class__()
    other.force_login(member.user)
    assert other.get(reverse("portal:home")).status_code == 200
    client.post(reverse("console:member-end-sessions", args=[program.slug, member.pk]))
    assert other.get(reverse("portal:home")).status_code == 302
    assert AuditRecord.objects.filter(action="sessions.ended").exists()


def test_a_reviewer_cannot_sign_others_out(client, program, roster):
    client.force_login(roster["cy"].user)
    url = reverse("console:member-end-sessions", args=[program.slug, roster["bo"].pk])
    assert client.post(url).status_code == 404


def test_a_manager_cannot_grant_or_remove_manager_roles(client, manager, program, roster):
    boss = MembershipFactory(program=program, role=Membership.Role.ADMIN)
    for member, role in ((roster["bo"], "admin"), (boss, "tester")):
        client.post(
            reverse("console:member-change", args=[program.slug, member.pk]), {"role": role}
        )
    roster["bo"].refresh_from_db()
    boss.refresh_from_db()
    assert (roster["bo"].role, boss.role) == ("tester", "admin")


def test_an_admin_may_promote_and_nobody_changes_themselves(client, program, roster):
    admin = MembershipFactory(program=program, role=Membership.Role.ADMIN)
    client.force_login(admin.user)
    client.post(
        reverse("console:member-change", args=[program.slug, roster["bo"].pk]),
        {"role": "program_manager"},
    )
    roster["bo"].refresh_from_db()
    assert roster["bo"].role == "program_manager"
    client.post(reverse("console:member-change", args=[program.slug, admin.pk]), {"role": "tester"})
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_staff_cannot_be_blocked_and_a_suspended_manager_loses_the_console(
    client, manager, program
):
    other_manager = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client.post(
        reverse("console:block", args=[program.slug]),
        {"level": "membership", "target_id": other_manager.pk, "kind": "suspension", "reason": "x"},
    )
    assert not AccessBlock.objects.exists()
    # Even a block made another way strips a member's console powers.
    block_access(target=other_manager, kind=AccessBlock.Kind.SUSPENSION, reason="x")
    other_manager.user.refresh_from_db()
    client.force_login(other_manager.user)
    assert client.get(reverse("console:program", args=[program.slug])).status_code == 404


def test_absurd_numbers_are_form_errors_not_500(client, manager, program):
    response = client.post(
        reverse("console:cohort-create", args=[program.slug]),
        {"name": "Huge", "daily_generation_quota": 10**20},
        follow=True,
    )
    assert response.status_code == 200
    assert "No cohort was created" in response.content.decode()
