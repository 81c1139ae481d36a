"""Who may grant which role, and whose sessions a staff member may end (red-team findings 2, 7).

A program manager once granted finance to an accomplice (the two then controlled the money
path), and a manager of one program signed out an admin of another (the session epoch is per
user, not per program).
"""

import pytest
from django.urls import reverse

from accessprogram.access.policy import GRANTED_BY
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership
from clients import signed_in
from factories import MembershipFactory, ProgramFactory

Role = Membership.Role


def change(client, member, role):
    url = reverse("console:member-change", args=[member.program.slug, member.pk])
    client.post(url, {"role": role})
    member.refresh_from_db()
    return member.role


@pytest.mark.parametrize("role", [Role.FINANCE, Role.PROGRAM_MANAGER, Role.ADMIN])
def test_a_manager_cannot_grant_money_or_manager_roles(program, role):
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER)
    accomplice = MembershipFactory(program=program)
    assert change(signed_in(manager.user), accomplice, role) == Role.TESTER
    assert not AuditRecord.objects.filter(action="membership.role_changed").exists()
    # ...and so the accomplice never reaches the finance console.
    finance_url = reverse("console:finance-program", args=[program.slug])
    assert signed_in(accomplice.user).get(finance_url).status_code == 404


def test_a_manager_cannot_take_finance_away_either(program):
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER)
    finance = MembershipFactory(program=program, role=Role.FINANCE)
    assert change(signed_in(manager.user), finance, Role.TESTER) == Role.FINANCE


def test_a_manager_still_staffs_the_review_team(program):
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER)
    member = MembershipFactory(program=program)
    client = signed_in(manager.user)
    assert change(client, member, Role.REVIEWER) == Role.REVIEWER
    assert change(client, member, Role.TESTER) == Role.TESTER


@pytest.mark.parametrize("role", [Role.FINANCE, Role.PROGRAM_MANAGER, Role.REVIEWER])
def test_an_admin_grants_every_role(program, role):
    admin = MembershipFactory(program=program, role=Role.ADMIN)
    member = MembershipFactory(program=program)
    assert change(signed_in(admin.user), member, role) == role


def test_the_grant_table_names_every_role_and_only_admins_grant_finance():
    assert set(GRANTED_BY) == set(Role.values)
    assert GRANTED_BY[Role.FINANCE] == {Role.ADMIN}
    assert Role.PROGRAM_MANAGER not in GRANTED_BY[Role.ADMIN]


# --- ending sessions ---------------------------------------------------------------------


def end_sessions(actor, member):
    url = reverse("console:member-end-sessions", args=[member.program.slug, member.pk])
    return signed_in(actor.user).post(url)


def still_signed_in(victim_client) -> bool:
    return victim_client.get(reverse("portal:home")).status_code == 200


def test_a_manager_cannot_sign_out_an_admin_of_another_program(program):
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER)
    other_admin = MembershipFactory(program=ProgramFactory(), role=Role.ADMIN)
    # The admin of B is also a tester of A, so the manager of A can open their member page.
    in_a = MembershipFactory(program=program, user=other_admin.user)
    victim = signed_in(other_admin.user)
    assert still_signed_in(victim)
    response = end_sessions(manager, in_a)
    assert response.status_code == 302
    assert still_signed_in(victim)
    assert not AuditRecord.objects.filter(action="sessions.ended").exists()


def test_a_manager_cannot_sign_out_a_higher_role_of_the_same_program(program):
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER)
    admin = MembershipFactory(program=program, role=Role.ADMIN)
    victim = signed_in(admin.user)
    end_sessions(manager, admin)
    assert still_signed_in(victim)


def test_a_manager_signs_out_testers_and_reviewers_of_their_program(program):
    manager = MembershipFactory(program=program, role=Role.PROGRAM_MANAGER)
    for role in (Role.TESTER, Role.REVIEWER):
        member = MembershipFactory(program=program, role=role)
        victim = signed_in(member.user)
        end_sessions(manager, member)
        assert not still_signed_in(victim)


def test_an_admin_of_both_programs_signs_out_a_reviewer_of_both(program):
    other = ProgramFactory()
    admin = MembershipFactory(program=program, role=Role.ADMIN)
    MembershipFactory(program=other, role=Role.ADMIN, user=admin.user)
    reviewer = MembershipFactory(program=program, role=Role.REVIEWER)
    MembershipFactory(program=other, role=Role.REVIEWER, user=reviewer.user)
    victim = signed_in(reviewer.user)
    end_sessions(admin, reviewer)
    assert not still_signed_in(victim)
