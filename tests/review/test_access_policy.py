"""accessprogram.access.policy, function by function, and a scan that keeps it the only home of
access rules: no role tuple, role query or superuser check anywhere else in the code."""

import re
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.utils import timezone

from accessprogram.access import policy
from accessprogram.access.revocation import block_access
from accessprogram.programs.models import Membership, Program
from factories import GenerationFactory, MembershipFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db

Role = Membership.Role
ROOT = Path(__file__).resolve().parents[2]


def member(program, role, **fields):
    return MembershipFactory(program=program, role=role, **fields)


def pause(program):
    Program.objects.filter(pk=program.pk).update(status=Program.Status.PAUSED)
    program.refresh_from_db()


# --- Role sets and grants ---------------------------------------------------------------------


def test_the_role_sets():
    assert {Role.REVIEWER, Role.PROGRAM_MANAGER, Role.FINANCE, Role.ADMIN} == policy.STAFF
    assert {Role.REVIEWER, Role.PROGRAM_MANAGER, Role.ADMIN} == policy.REVIEW
    assert {Role.PROGRAM_MANAGER, Role.ADMIN} == policy.MANAGER
    assert {Role.FINANCE, Role.ADMIN} == policy.FINANCE
    assert policy.REVIEW_ROLE_VALUES == ["admin", "program_manager", "reviewer"]


@pytest.mark.parametrize(
    ("actor", "role", "expected"),
    [
        (Role.PROGRAM_MANAGER, Role.TESTER, True),
        (Role.PROGRAM_MANAGER, Role.REVIEWER, True),
        (Role.PROGRAM_MANAGER, Role.FINANCE, False),  # the red team's finding 2
        (Role.PROGRAM_MANAGER, Role.PROGRAM_MANAGER, False),
        (Role.PROGRAM_MANAGER, Role.ADMIN, False),
        (Role.ADMIN, Role.FINANCE, True),
        (Role.ADMIN, Role.ADMIN, True),
        (Role.REVIEWER, Role.TESTER, False),
        (Role.FINANCE, Role.TESTER, False),
        (None, Role.TESTER, False),
    ],
)
def test_may_grant(actor, role, expected):
    assert policy.may_grant(actor_role=actor, role=role) is expected


def test_may_change_role_needs_both_ends_and_a_cohort_change_needs_a_manager():
    assert policy.may_change_role(
        actor_role=Role.PROGRAM_MANAGER, old_role=Role.TESTER, new_role=Role.REVIEWER
    )
    assert not policy.may_change_role(
        actor_role=Role.PROGRAM_MANAGER, old_role=Role.FINANCE, new_role=Role.TESTER
    )
    assert policy.may_change_role(
        actor_role=Role.PROGRAM_MANAGER, old_role=Role.FINANCE, new_role=Role.FINANCE
    )
    assert not policy.may_change_role(
        actor_role=Role.REVIEWER, old_role=Role.TESTER, new_role=Role.TESTER
    )


def test_may_change_member_uses_the_acting_role_and_never_ones_own(program):
    manager = member(program, Role.PROGRAM_MANAGER)
    target = member(program, Role.TESTER)
    assert policy.may_change_member(manager.user, target, Role.REVIEWER)
    assert not policy.may_change_member(manager.user, target, Role.FINANCE)
    assert not policy.may_change_member(manager.user, manager, Role.TESTER)
    block_access(target=manager, kind="suspension", reason="investigating")
    assert not policy.may_change_member(manager.user, target, Role.REVIEWER)
    superuser = UserFactory(is_superuser=True)
    assert policy.may_change_member(superuser, target, Role.ADMIN)


# --- Memberships that carry powers ------------------------------------------------------------


def test_staff_memberships_are_active_unblocked_and_of_the_roles_asked(program):
    manager = member(program, Role.PROGRAM_MANAGER)
    elsewhere = member(ProgramFactory(), Role.FINANCE, user=manager.user)
    assert set(policy.staff_memberships(manager.user)) == {manager, elsewhere}
    assert set(policy.staff_memberships(manager.user, policy.FINANCE)) == {elsewhere}
    block_access(target=elsewhere, kind="suspension", reason="investigating")
    assert set(policy.staff_memberships(manager.user)) == {manager}
    Membership.objects.filter(pk=manager.pk).update(status=Membership.Status.SUSPENDED)
    assert not policy.staff_memberships(manager.user).exists()


def test_staff_memberships_can_ask_for_an_active_program(program):
    reviewer = member(program, Role.REVIEWER)
    pause(program)
    assert policy.staff_memberships(reviewer.user).exists()
    assert not policy.staff_memberships(reviewer.user, active_program=True).exists()


def test_program_staff_lists_the_acting_members_of_the_roles(program):
    manager = member(program, Role.PROGRAM_MANAGER)
    admin = member(program, Role.ADMIN)
    member(program, Role.REVIEWER)
    member(program, Role.TESTER)
    block_access(target=admin, kind="suspension", reason="investigating")
    assert set(policy.program_staff(program, policy.MANAGER)) == {manager}


def test_staff_programs_and_can_act_on_program(program):
    finance = member(program, Role.FINANCE)
    other = ProgramFactory()
    assert set(policy.staff_programs(finance.user)) == {program}
    assert not policy.staff_programs(finance.user, policy.MANAGER).exists()
    assert policy.can_act_on_program(finance.user, program.pk, roles=policy.FINANCE)
    assert not policy.can_act_on_program(finance.user, program.pk, roles=policy.MANAGER)
    assert not policy.can_act_on_program(finance.user, other.pk)
    pause(program)  # console powers hold in any program state
    assert policy.can_act_on_program(finance.user, program.pk, roles=policy.FINANCE)
    superuser = UserFactory(is_superuser=True)
    assert set(policy.staff_programs(superuser)) == {program, other}
    assert policy.can_act_on_program(superuser, other.pk, roles=policy.FINANCE)
    assert not policy.can_act_on_program(AnonymousUser(), program.pk)


def test_acting_roles_maps_programs_to_roles(program):
    manager = member(program, Role.PROGRAM_MANAGER)
    other = member(ProgramFactory(), Role.TESTER, user=manager.user)
    assert policy.acting_roles(manager.user) == {
        program.pk: Role.PROGRAM_MANAGER,
        other.program_id: Role.TESTER,
    }
    block_access(target=manager, kind="suspension", reason="investigating")
    assert policy.acting_roles(manager.user) == {other.program_id: Role.TESTER}


# --- Review and outputs -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.REVIEWER, True),
        (Role.PROGRAM_MANAGER, True),
        (Role.ADMIN, True),
        (Role.FINANCE, False),
        (Role.TESTER, False),
    ],
)
def test_can_review_by_role(program, role, expected):
    user = member(program, role).user
    assert policy.can_review(user, program.pk) is expected
    assert (policy.reviewable_program_ids(user) == {program.pk}) is expected


def test_review_work_needs_an_active_program_and_an_unblocked_membership(program):
    reviewer = member(program, Role.REVIEWER)
    assert policy.can_review(reviewer.user, program.pk)
    pause(program)
    assert not policy.can_review(reviewer.user, program.pk)
    Program.objects.filter(pk=program.pk).update(status=Program.Status.ACTIVE)
    block_access(target=reviewer, kind="suspension", reason="investigating")
    assert not policy.can_review(reviewer.user, program.pk)
    assert policy.reviewable_program_ids(AnonymousUser()) == set()


def test_a_superuser_is_not_a_reviewer(program):
    assert not policy.can_review(UserFactory(is_superuser=True), program.pk)


def test_can_review_output_follows_can_review(program):
    reviewer = member(program, Role.REVIEWER).user
    finance = member(program, Role.FINANCE).user
    owner = member(program, Role.TESTER).user
    generation = GenerationFactory(program=program, tester=owner)
    assert policy.can_review_output(reviewer, generation)
    assert not policy.can_review_output(finance, generation)
    assert not policy.can_review_output(owner, generation)  # the owner has the portal route
    assert not policy.can_review_output(AnonymousUser(), generation)
    assert policy.can_review_output(UserFactory(is_superuser=True), generation)
    pause(program)
    assert not policy.can_review_output(reviewer, generation)  # the disagreement, resolved
    Program.objects.filter(pk=program.pk).update(status=Program.Status.ACTIVE)
    generation.deleted_at = timezone.now()
    assert not policy.can_review_output(reviewer, generation)


def test_takedowns_are_allowed_in_any_program_state(program):
    reviewer = member(program, Role.REVIEWER).user
    finance = member(program, Role.FINANCE).user
    django_staff = UserFactory(is_staff=True)
    for state in (Program.Status.ACTIVE, Program.Status.PAUSED, Program.Status.CLOSED):
        Program.objects.filter(pk=program.pk).update(status=state)
        assert policy.can_take_down(reviewer, program.pk), state
        assert policy.can_take_down(django_staff, program.pk), state
        assert not policy.can_take_down(finance, program.pk), state
    assert not policy.can_take_down(AnonymousUser(), program.pk)


def test_can_mark_used_is_for_managers_of_an_active_program(program):
    manager = member(program, Role.PROGRAM_MANAGER).user
    reviewer = member(program, Role.REVIEWER).user
    assert policy.can_mark_used(manager, program.pk)
    assert not policy.can_mark_used(reviewer, program.pk)
    pause(program)
    assert not policy.can_mark_used(manager, program.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the claim SQL is PostgreSQL's")
def test_the_claim_scope_sql_matches_reviewable_program_ids(program):
    reviewer = member(program, Role.REVIEWER)
    member(ProgramFactory(), Role.FINANCE, user=reviewer.user)
    paused = member(ProgramFactory(), Role.ADMIN, user=reviewer.user)
    pause(paused.program)
    blocked = member(ProgramFactory(), Role.PROGRAM_MANAGER, user=reviewer.user)
    block_access(target=blocked, kind="suspension", reason="investigating")

    def scope(programs=None):
        params = {
            "reviewer": reviewer.user.pk,
            "roles": policy.REVIEW_ROLE_VALUES,
            "programs": programs,
            "now": timezone.now(),
        }
        with connection.cursor() as cursor:
            cursor.execute(policy.CLAIM_SCOPE_SQL, params)
            return {row[0] for row in cursor.fetchall()}

    assert scope() == policy.reviewable_program_ids(reviewer.user) == {program.pk}
    assert scope([paused.program_id]) == set()


# --- The audit log ----------------------------------------------------------------------------


def test_audit_log_readers(program):
    assert policy.may_read_audit_log(member(program, Role.PROGRAM_MANAGER).user)
    assert not policy.may_read_audit_log(member(program, Role.REVIEWER).user)
    assert not policy.may_read_audit_log(member(program, Role.FINANCE).user)
    superuser = UserFactory(is_superuser=True)
    assert policy.may_read_audit_log(superuser) and policy.reads_whole_audit_log(superuser)
    assert not policy.reads_whole_audit_log(member(program, Role.ADMIN).user)


def test_a_superuser_reads_the_audit_log_before_any_program_exists():
    assert not Program.objects.exists()
    assert policy.may_read_audit_log(UserFactory(is_superuser=True))


# --- Sessions ---------------------------------------------------------------------------------


def test_outranks_everywhere():
    assert policy.outranks_everywhere(
        actor_roles={1: Role.PROGRAM_MANAGER}, target_roles={1: Role.REVIEWER, 2: Role.TESTER}
    )
    assert not policy.outranks_everywhere(
        actor_roles={1: Role.PROGRAM_MANAGER}, target_roles={1: Role.ADMIN}
    )
    assert not policy.outranks_everywhere(
        actor_roles={1: Role.ADMIN}, target_roles={1: Role.REVIEWER, 2: Role.FINANCE}
    )
    assert not policy.outranks_everywhere(
        actor_roles={1: Role.REVIEWER}, target_roles={1: Role.TESTER, 1_000: Role.REVIEWER}
    )


def test_a_manager_of_one_program_may_not_end_an_admin_of_another(program):
    """The red team's finding 7: the session epoch is per user, so rank must hold everywhere."""
    manager = member(program, Role.PROGRAM_MANAGER)
    target = member(program, Role.TESTER)
    assert policy.may_end_sessions(manager.user, target.user)
    member(ProgramFactory(), Role.ADMIN, user=target.user)
    assert not policy.may_end_sessions(manager.user, target.user)
    assert policy.may_end_sessions(UserFactory(is_superuser=True), target.user)
    assert not policy.may_end_sessions(manager.user, UserFactory(is_staff=True))


# --- Staff and the second factor --------------------------------------------------------------


def test_is_staff_user_and_needs_mfa_setup(program):
    tester = member(program, Role.TESTER).user
    reviewer = member(program, Role.REVIEWER)
    assert not policy.is_staff_user(tester) and not policy.needs_mfa_setup(tester)
    assert policy.is_staff_user(reviewer.user) and policy.needs_mfa_setup(reviewer.user)
    block_access(target=reviewer, kind="suspension", reason="investigating")
    assert policy.needs_mfa_setup(reviewer.user)  # blocked staff are still staff for the gate
    Authenticator.objects.create(
        user=reviewer.user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    assert not policy.needs_mfa_setup(reviewer.user)
    assert policy.needs_mfa_setup(UserFactory(is_staff=True))
    assert not policy.needs_mfa_setup(AnonymousUser())


# --- One home ---------------------------------------------------------------------------------

# What an access rule looks like in source: a staff role named, a query on roles, a raw-SQL role
# test, a superuser or Django-staff check.
RULE_PATTERNS = {
    "staff role named": re.compile(r"Role\.(REVIEWER|PROGRAM_MANAGER|FINANCE|ADMIN)\b"),
    "role strings": re.compile(
        r"[\"'](reviewer|program_manager|finance|admin)[\"']\s*,\s*"
        r"[\"'](tester|reviewer|program_manager|finance|admin)[\"']"
    ),
    "role compared": re.compile(r"role\s*(==|!=|in)\s*[\"'(\[{]"),
    "role query": re.compile(r"role__in\b|\.role\s*=\s*ANY|role\s+IN\s*\("),
    "superuser or staff check": re.compile(r"\.is_superuser\b|\.is_staff\b"),
}
# Where roles are defined, and the demo seed that creates one person per role.
ALLOWED = {
    "accessprogram/access/policy.py",
    "accessprogram/programs/models.py",
    "accessprogram/console/management/commands/seed_demo.py",
}


def _sources():
    for package in ("accessprogram", "generation", "review"):
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in ALLOWED:
                continue
            yield relative, path.read_text()


def test_no_access_rule_outside_the_policy():
    found = [
        f"{relative}:{number}: {what}: {line.strip()}"
        for relative, text in _sources()
        for number, line in enumerate(text.splitlines(), 1)
        for what, pattern in RULE_PATTERNS.items()
        if pattern.search(line)
    ]
    assert found == []


def test_the_scan_would_catch_the_old_rules():
    samples = [
        "REVIEW_ROLES = (Membership.Role.REVIEWER, Membership.Role.PROGRAM_MANAGER)",
        'roles = ("admin", "program_manager")',
        'if membership.role == "admin":',
        "Membership.objects.filter(user=user, role__in=roles)",
        "WHERE membership.role = ANY(%(roles)s)",
        "return user.is_staff or share_request.program_id in ids",
        "if user.is_superuser:",
    ]
    for sample in samples:
        assert any(pattern.search(sample) for pattern in RULE_PATTERNS.values()), sample
