"""Every block, at every level and of either kind, manual or automatic, leaves each tester it
reaches a notice (portal + email) saying what is blocked, why, by which role and until when."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accessprogram.access import tokens
from accessprogram.access.block_notices import write_notices
from accessprogram.access.leaks import ReportedString, report_leaked_tokens
from accessprogram.access.models import AccessBlock, ApiToken, BlockNotice
from accessprogram.access.revocation import block_access, kill_switch
from accessprogram.access.services import revoke_token
from accessprogram.programs.models import Cohort, Membership
from clients import signed_in
from factories import MembershipFactory, ProgramFactory, UserFactory, token_for

LEVELS = ["token", "membership", "cohort", "program"]
Kind = AccessBlock.Kind


@pytest.fixture
def world(db):
    program = ProgramFactory(name="Heron beta")
    cohort = Cohort.objects.create(program=program, name="Wave 1")
    tester = MembershipFactory(program=program, cohort=cohort)
    token_for(tester, "laptop scripts")
    return {
        "program": program,
        "cohort": cohort,
        "tester": tester,
        "cohort_mate": MembershipFactory(program=program, cohort=cohort),
        "other_cohort": MembershipFactory(
            program=program, cohort=Cohort.objects.create(program=program, name="Wave 2")
        ),
        "elsewhere": MembershipFactory(),
        "manager": MembershipFactory(program=program, role=Membership.Role.PROGRAM_MANAGER),
    }


def target(world, level):
    if level == "token":
        return world["tester"].api_tokens.get()
    return {"membership": world["tester"], "cohort": world["cohort"], "program": world["program"]}[
        level
    ]


REACHED = {
    "token": {"tester"},
    "membership": {"tester"},
    "cohort": {"tester", "cohort_mate"},
    "program": {"tester", "cohort_mate", "other_cohort"},
}
SCOPES = {
    "token": "Your API token “laptop scripts”",
    "membership": "Your access to Heron beta",
    "cohort": "Everyone in your cohort “Wave 1” of Heron beta",
    "program": "Everyone in Heron beta",
}


@pytest.mark.parametrize("kind", [Kind.SUSPENSION, Kind.REVOCATION])
@pytest.mark.parametrize("level", LEVELS)
def test_every_level_and_kind_notifies_exactly_the_testers_it_reaches(
    world, level, kind, eager_celery, django_capture_on_commit_callbacks
):
    back = timezone.now() + timedelta(days=2) if kind == Kind.SUSPENSION else None
    with django_capture_on_commit_callbacks(execute=True):
        block = block_access(
            target=target(world, level),
            kind=kind,
            reason="Outputs shared before approval.",
            actor=world["manager"].user,
            expected_back_at=back,
        )
    notices = BlockNotice.objects.filter(block=block)
    told = {notice.user_id for notice in notices}
    assert told == {world[name].user_id for name in REACHED[level]}
    notice = notices.get(user=world["tester"].user)
    assert notice.scope.startswith(SCOPES[level])
    assert notice.decided_by == "A program manager"  # the role, never the name
    assert world["manager"].user.username not in notice.scope + notice.decided_by
    assert notice.observed == ""
    emails = {message.to[0]: message for message in mail.outbox}
    assert set(emails) == {world[name].user.email for name in REACHED[level]}
    body = emails[world["tester"].user.email].body
    assert "Outputs shared before approval." in body
    assert "Decided by: A program manager" in body
    assert f"/notices/{notice.pk}/" in body
    if kind == Kind.REVOCATION:
        assert "This is final." in body
    else:
        assert "expected back on" in body
    assert BlockNotice.objects.filter(block=block, emailed_at__isnull=True).count() == 0


def test_writing_notices_again_adds_none_and_mails_nobody_twice(
    world, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        block = kill_switch(program=world["program"], reason="Engine incident.", actor=None)
    assert BlockNotice.objects.filter(block=block).count() == 3
    sent = len(mail.outbox)
    from accessprogram.access.tasks import write_block_notices

    assert write_block_notices(block.pk) == 0
    assert BlockNotice.objects.filter(block=block).count() == 3
    assert len(mail.outbox) == sent
    assert BlockNotice.objects.filter(block=block).first().decided_by == "The platform"


def test_a_platform_administrator_is_named_by_role(world):
    admin = UserFactory(is_staff=True)
    block = block_access(
        target=world["tester"], kind=Kind.SUSPENSION, reason="Checking payouts.", actor=admin
    )
    write_notices(block=block)
    assert BlockNotice.objects.get(block=block).decided_by == "A platform administrator"


def test_a_token_its_owner_revoked_needs_no_notice(world):
    token = world["tester"].api_tokens.get()
    revoke_token(token=token, reason="Revoked by its owner.", actor=world["tester"].user)
    block = AccessBlock.objects.get(level="token", target_id=token.pk)
    assert write_notices(block=block) == 0


def test_an_automatic_suspension_says_what_was_observed(
    world, eager_celery, django_capture_on_commit_callbacks
):
    secret = token_for(world["tester"], "demo")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(21):  # one past the default of 20 addresses
            client.get("/v1/videos", REMOTE_ADDR=f"203.0.113.{n}")
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    notice = BlockNotice.objects.get(block__level="token", block__target_id=token.pk)
    assert notice.user == world["tester"].user
    assert notice.decided_by == "An automatic check for unusual use"
    assert notice.observed.startswith(
        "This token was used from 21 different addresses in 60 s (more than 20)"
    )
    assert "revoke it on the API tokens page" in notice.observed
    assert any("21 different addresses" in message.body for message in mail.outbox)


def test_a_leak_report_says_where_the_token_was_found(
    world, eager_celery, django_capture_on_commit_callbacks
):
    secret = token_for(world["tester"], "demo")
    url = "https://github.com/someone/demo/blob/main/app.js"
    with django_capture_on_commit_callbacks(execute=True):
        report_leaked_tokens(found=[ReportedString(token=secret, url=url, source="github")])
    token = ApiToken.objects.get(digest=tokens.digest(secret))
    notice = BlockNotice.objects.get(block__level="token", block__target_id=token.pk)
    assert notice.decided_by == "A secret-scanning report"
    assert notice.observed.startswith(f"This token was found in public at {url}.")
    assert notice.block.kind == Kind.REVOCATION


def test_the_banner_links_to_the_notices(world, client):
    block_access(target=world["tester"], kind=Kind.SUSPENSION, reason="Paused.")
    html = signed_in(world["tester"], client=client).get("/notices/").content.decode()
    assert 'data-testid="access-notice"' in html and 'href="/notices/"' in html
