"""The member list says what stops each tester: a suspension with its end, a revocation, a
cohort's or the program's block, with the reason, never "Active" while access is blocked."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from query_counts import assert_flat

from accessprogram.access.revocation import block_access, kill_switch
from accessprogram.programs.models import Cohort, Membership
from factories import MembershipFactory


@pytest.fixture
def manager(client, program):
    staff = MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER)
    client.force_login(staff.user)
    return staff


def status_cell(page: str, email: str) -> str:
    members = page.split('id="members-heading"', 1)[1]
    row = members.split(email, 1)[1].split("</tr>", 1)[0]
    return row.split('data-testid="member-status"', 1)[1].split("</td>", 1)[0]


def test_a_suspended_tester_shows_the_suspension_its_end_and_reason(client, manager, program):
    member = MembershipFactory(program=program)
    ends = (timezone.now() + timedelta(days=3)).replace(hour=12, minute=0)
    block_access(target=member, kind="suspension", reason="spam bursts", ends_at=ends)
    page = client.get(reverse("console:program", args=[program.slug])).content.decode()
    cell = status_cell(page, member.user.email)
    assert "Suspended" in cell and "Active" not in cell
    assert f"until {ends:%-d %b %Y}, 12:00 UTC: spam bursts" in cell
    member_page = client.get(reverse("console:member", args=[program.slug, member.pk]))
    assert "Suspended" in member_page.content.decode()


def test_revoked_cohort_and_program_blocks_show_too(client, manager, program):
    revoked = MembershipFactory(program=program)
    block_access(target=revoked, kind="revocation", reason="leaked a token")
    wave = Cohort.objects.create(program=program, name="Wave 3")
    in_wave = MembershipFactory(program=program, cohort=wave)
    block_access(target=wave, kind="suspension", reason="wave paused")
    free = MembershipFactory(program=program)

    page = client.get(reverse("console:program", args=[program.slug])).content.decode()
    assert "Revoked" in status_cell(page, revoked.user.email)
    assert "for good: leaked a token" in status_cell(page, revoked.user.email)
    assert "Suspended (cohort)" in status_cell(page, in_wave.user.email)
    assert "Active" in status_cell(page, free.user.email)

    kill_switch(program=program, reason="incident", actor=None)
    page = client.get(reverse("console:program", args=[program.slug])).content.decode()
    assert "Suspended (program paused)" in status_cell(page, free.user.email)
    # A final revocation says more than a pause that will end.
    assert "Revoked" in status_cell(page, revoked.user.email)


def test_the_statuses_cost_a_constant_number_of_queries(client, manager, program):
    url = reverse("console:program", args=[program.slug])

    def grow(count):
        for member in MembershipFactory.create_batch(count, program=program):
            block_access(target=member, kind="suspension", reason="bulk")

    assert_flat(client, url, grow)
