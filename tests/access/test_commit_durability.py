"""Bulk transactions commit without waiting for the WAL flush; safety actions always wait for it.

accessprogram.commit_durability: a payout close's stages, a stipend run and reviewers' claims set
`synchronous_commit = off` for their own transaction (PostgreSQL), so their flushes do not
queue revocations; a revocation, the kill switch, a resume and a leak report never do, so what
they did survives a crash once they have returned. Each statement sent is watched on the
connection, and on PostgreSQL the setting itself is read back.
"""

import datetime

import pytest
from django.db import connection, transaction

from accessprogram.access import tokens
from accessprogram.access.leaks import ReportedString, report_leaked_tokens
from accessprogram.access.models import ApiToken
from accessprogram.access.revocation import kill_switch, resume_program
from accessprogram.access.services import revoke_token
from accessprogram.commit_durability import commit_durability, relax_commit_durability
from accessprogram.compensation.payouts import close_period_in_stages, open_period
from accessprogram.compensation.services import award, publish_rate_card
from accessprogram.compensation.stipends import award_stipends
from accessprogram.programs.models import Membership
from factories import MembershipFactory, token_for
from review.claims import claim_next_share_request

pytestmark = pytest.mark.django_db(transaction=True)

RELAX = "SET LOCAL synchronous_commit = off"
LONG_AGO = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's; SQLite runs synchronous=NORMAL always.")


class Commits:
    """Each transaction committed on the test's connection: its `synchronous_commit` at commit
    and whether a relaxing statement was sent in it."""

    def __init__(self):
        self.seen: list[tuple[str, bool]] = []
        self._relaxed = False

    def __call__(self, execute, sql, params, many, context):
        if sql.strip() == RELAX:
            self._relaxed = True
        return execute(sql, params, many, context)

    def commit(self, original):
        def read_then_commit():
            with connection.connection.cursor() as cursor:  # the driver's: not watched
                cursor.execute("SHOW synchronous_commit")
                setting = cursor.fetchone()[0]
            self.seen.append((setting, self._relaxed))
            self._relaxed = False
            return original()

        return read_then_commit


@pytest.fixture
def commits(monkeypatch):
    watched = Commits()
    connection.ensure_connection()
    monkeypatch.setattr(connection, "_commit", watched.commit(connection._commit))
    with connection.execute_wrapper(watched):
        yield watched.seen


def test_relaxing_applies_to_the_outermost_transaction_only():
    assert relax_commit_durability() is False  # autocommit: nothing to relax
    with transaction.atomic():
        assert commit_durability() == "on"
        with transaction.atomic():
            # A savepoint: the transaction is the caller's, who may need it durable.
            assert relax_commit_durability() is False
            assert commit_durability() == "on"
        assert relax_commit_durability() is True
        assert commit_durability() == "off"
    assert commit_durability() == "on"  # SET LOCAL ended with the transaction


def test_every_stage_of_a_close_commits_relaxed(program, tester, staff, commits):
    today = datetime.datetime.now(datetime.UTC).date()
    publish_rate_card(
        program=program,
        currency="USD",
        effective_from=LONG_AGO,
        actor=staff,
        monthly_stipend="10.00",
    )
    award(membership=tester, kind="award_form", amount="40.00", currency="USD", idempotency_key="f")
    period = open_period(
        program=program,
        start=today - datetime.timedelta(days=40),
        end=today - datetime.timedelta(days=1),
        minimum_hourly_rate="30.00",
        actor=staff,
    )
    commits.clear()
    close_period_in_stages(period=period, actor=staff, progress=lambda stage: None)
    # Three stages, each its own relaxed transaction; then the audit link, durable.
    assert commits[:3] == [("off", True)] * 3
    assert ("off", True) not in commits[3:]


def test_a_stipend_run_and_a_claim_commit_relaxed(program, staff, commits):
    today = datetime.datetime.now(datetime.UTC).date()
    publish_rate_card(
        program=program, currency="USD", effective_from=LONG_AGO, actor=staff, monthly_stipend="5"
    )
    reviewer = MembershipFactory(program=program, role=Membership.Role.REVIEWER).user
    commits.clear()
    award_stipends(program=program, month=today.replace(day=1) - datetime.timedelta(days=1))
    assert commits[0] == ("off", True)
    commits.clear()
    assert claim_next_share_request(reviewer=reviewer) is None  # an empty queue, still a claim
    assert commits == [("off", True)]


def test_safety_actions_commit_durably(program, tester, staff, commits):
    secret = token_for(tester)
    other = ApiToken.objects.get(digest=tokens.digest(token_for(tester, "another")))
    kill_switch(program=program, reason="leak", actor=staff)
    resume_program(program=program, actor=staff)
    revoke_token(token=other, reason="found in a log", actor=staff)
    report_leaked_tokens(found=[ReportedString(token=secret, url="https://example.com/paste")])
    assert commits  # each action committed at least once (and linked its audit later)
    assert all(commit == ("on", False) for commit in commits), commits
