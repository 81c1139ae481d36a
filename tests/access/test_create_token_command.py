"""`manage.py create_token`: a new token for an existing tester, printed once."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accessprogram.access import tokens
from accessprogram.access.models import ApiToken
from accessprogram.audit.models import AuditRecord
from accessprogram.programs.models import Membership, Program
from factories import MembershipFactory, ProgramFactory, UserFactory


def create_token(*args) -> str:
    out = StringIO()
    call_command("create_token", *args, stdout=out)
    return out.getvalue().strip()


def authenticates(secret: str) -> bool:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client.get("/v1/videos").status_code == 200


def test_prints_a_token_that_authenticates(tester):
    secret = create_token("--email", tester.user.email)
    assert tokens.is_well_formed(secret)
    assert authenticates(secret)
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    assert token.membership == tester
    assert token.name == "CLI token"


def test_prints_only_the_token(tester):
    out = StringIO()
    call_command("create_token", "--email", tester.user.email, stdout=out)
    assert out.getvalue().count("\n") == 1
    assert len(out.getvalue().strip()) == tokens.TOKEN_LENGTH


def test_the_email_is_matched_case_insensitively_and_the_name_is_kept(tester):
    secret = create_token("--email", tester.user.email.upper(), "--name", "render box")
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    assert token.membership == tester
    assert token.name == "render box"


def test_each_run_prints_a_new_token(tester):
    first = create_token("--email", tester.user.email)
    second = create_token("--email", tester.user.email)
    assert first != second
    assert authenticates(first) and authenticates(second)
    assert ApiToken.objects.filter(membership=tester).count() == 2


def test_an_unknown_email(db):
    with pytest.raises(CommandError, match=r"No user with email nobody@example\.com"):
        create_token("--email", "nobody@example.com")
    assert ApiToken.objects.count() == 0


def test_an_email_shared_by_two_users_is_refused(tester):
    UserFactory(username="twin", email=tester.user.email.upper())
    with pytest.raises(CommandError, match="Several users"):
        create_token("--email", tester.user.email)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("role", [Membership.Role.REVIEWER, Membership.Role.ADMIN])
def test_a_user_who_is_not_a_tester(program, role):
    staff = MembershipFactory(program=program, role=role)
    with pytest.raises(CommandError, match="is not an active tester in an active program"):
        create_token("--email", staff.user.email)
    assert ApiToken.objects.count() == 0


def test_a_user_without_any_membership(db):
    user = UserFactory()
    with pytest.raises(CommandError, match="is not an active tester"):
        create_token("--email", user.email)


def test_a_suspended_tester(tester):
    tester.status = Membership.Status.SUSPENDED
    tester.save()
    with pytest.raises(CommandError, match="is not an active tester"):
        create_token("--email", tester.user.email)
    assert ApiToken.objects.count() == 0


def test_a_tester_in_a_paused_program(program, tester):
    program.status = Program.Status.PAUSED
    program.save()
    with pytest.raises(CommandError, match="is not an active tester"):
        create_token("--email", tester.user.email)


@pytest.fixture
def two_programs(tester):
    second = MembershipFactory(user=tester.user, program=ProgramFactory(slug="second-beta"))
    return tester, second


def test_a_tester_in_several_programs_must_choose_one(two_programs):
    first, second = two_programs
    with pytest.raises(CommandError) as raised:
        create_token("--email", first.user.email)
    message = str(raised.value)
    assert "several programs" in message
    assert "--program" in message
    assert first.program.slug in message and second.program.slug in message
    assert ApiToken.objects.count() == 0


def test_program_picks_the_membership(two_programs):
    first, second = two_programs
    secret = create_token("--email", first.user.email, "--program", "second-beta")
    assert ApiToken.objects.get(digest=tokens.digest(secret)).membership == second
    assert authenticates(secret)

    secret = create_token("--email", first.user.email, "--program", first.program.slug)
    assert ApiToken.objects.get(digest=tokens.digest(secret)).membership == first


def test_a_program_the_tester_is_not_in(tester):
    ProgramFactory(slug="elsewhere")
    with pytest.raises(CommandError, match="is not an active tester"):
        create_token("--email", tester.user.email, "--program", "elsewhere")
    assert ApiToken.objects.count() == 0


def test_the_email_is_required(db):
    with pytest.raises(CommandError, match="--email"):
        create_token()


# --- who the audit trail names (finding 5) ----------------------------------------------------


def test_the_operator_named_with_actor_is_the_recorded_actor(tester):
    operator = UserFactory(email="ops@example.com", is_staff=True)
    secret = create_token("--email", tester.user.email, "--actor", "OPS@example.com")
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    record = AuditRecord.objects.get(action="token.issued", target_id=str(token.pk))
    assert record.actor == operator
    assert record.data["via"] == "manage.py create_token"


def test_without_actor_the_system_is_recorded_never_the_tester(tester):
    secret = create_token("--email", tester.user.email)
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    record = AuditRecord.objects.get(action="token.issued", target_id=str(token.pk))
    assert record.actor is None  # the system, as the console's audit log shows it
    assert record.data["via"] == "manage.py create_token"


def test_an_unknown_actor_is_an_error_and_makes_no_token(tester):
    with pytest.raises(CommandError, match=r"No user with email ghost@example\.com"):
        create_token("--email", tester.user.email, "--actor", "ghost@example.com")
    assert not ApiToken.objects.exists()
