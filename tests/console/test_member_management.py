"""Program managers filter members and change their role or cohort; every change is audited."""

import pytest
from django.urls import reverse

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
