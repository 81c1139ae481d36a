"""Telling every tester a block reaches what happened: one notice each, written after commit.

A program block reaches thousands of testers, so the notices are one INSERT ... SELECT over
the testers the block reaches, run by a task on the normal queue after the block commits: the
kill switch itself writes no more than before. The texts are worked out once per block.
"""

from django.db import connection, transaction
from django.utils import timezone

from accessprogram.programs.models import Cohort, Membership

from .blocks import reached_user_ids
from .models import AccessBlock, ApiToken, BlockNotice, LeakAlert, LeakReport
from .policy import decider_label

Level = AccessBlock.Level

_ALERT_OBSERVATIONS = {
    LeakAlert.Kind.ADDRESS_SPREAD: (
        "address_count",
        "addresses",
        "{subject} used from {count} different addresses in {window} s (more than {limit})",
    ),
    LeakAlert.Kind.BURST: (
        "request_count",
        "requests",
        "{subject} used for {count} requests in {window} s (more than {limit})",
    ),
    LeakAlert.Kind.USER_AGENTS: (
        "user_agent_count",
        "user_agents",
        "{subject} used by {count} different programs (user agents) in {window} s "
        "(more than {limit})",
    ),
}
_ALERT_ADVICE = (
    "If that was not you, the token may have leaked: revoke it on the API tokens page and "
    "create a new one. If it was you, say so in an appeal."
)


def _scope(block: AccessBlock) -> str:
    program = block.program.name
    if block.level == Level.TOKEN:
        token = ApiToken.objects.filter(pk=block.target_id).first()
        if token is not None:
            return f"Your API token “{token.name}” ({token.display_prefix}…) in {program}"
        return f"One of your API tokens in {program}"
    if block.level == Level.MEMBERSHIP:
        return f"Your access to {program}"
    if block.level == Level.COHORT:
        cohort = Cohort.objects.filter(pk=block.target_id).values_list("name", flat=True).first()
        return f"Everyone in your cohort “{cohort}” of {program}"
    return f"Everyone in {program}"


def _alert_observed(alert: LeakAlert) -> str:
    evidence = alert.evidence
    subject = (
        "Your API tokens together were"
        if evidence.get("scope") == "membership"
        else ("This token was")
    )
    seen = []
    for kind in evidence.get("triggered") or [alert.kind]:
        count_key, limit_key, text = _ALERT_OBSERVATIONS[kind]
        seen.append(
            text.format(
                subject=subject if not seen else "and",
                count=evidence.get(count_key),
                window=evidence.get("window_seconds"),
                limit=evidence.get("thresholds", {}).get(limit_key),
            )
        )
    return ", ".join(seen) + ". " + _ALERT_ADVICE


def _automatic(block: AccessBlock) -> tuple[str, str] | None:
    """(decided by, observed) for a block the platform made by itself, else None."""
    if block.level != Level.TOKEN:
        return None
    alert = LeakAlert.objects.filter(suspension=block).first()
    if alert is not None:
        return "An automatic check for unusual use", _alert_observed(alert)
    report = (
        LeakReport.objects.filter(token_id=block.target_id, outcome=LeakReport.Outcome.REVOKED)
        .order_by("-reported_at")
        .first()
    )
    if report is not None:
        return "A secret-scanning report", (
            f"This token was found in public at {report.url}. Remove it from there, keep "
            "tokens out of published code and demos, and create a new token."
        )
    return None


def _decided_by(block: AccessBlock) -> str:
    if block.created_by is None:
        return "The platform"
    return decider_label(user=block.created_by, program_id=block.program_id)


def _recipients(block: AccessBlock):
    """The user ids the block reaches, as a queryset; none for a token its owner revoked."""
    if block.level == Level.TOKEN:
        owners = Membership.objects.filter(api_tokens__pk=block.target_id)
        if block.created_by_id is not None:
            owners = owners.exclude(user_id=block.created_by_id)
        return owners.values("user_id")
    return reached_user_ids(level=block.level, target_id=block.target_id)


def describe(block: AccessBlock) -> dict:
    """The fixed texts of every notice of `block`: scope, decided_by, observed."""
    automatic = _automatic(block) if block.created_by_id is None else None
    decided_by, observed = automatic or (_decided_by(block), "")
    return {"scope": _scope(block)[:200], "decided_by": decided_by, "observed": observed[:500]}


@transaction.atomic
def write_notices(*, block: AccessBlock) -> int:
    """One notice per tester the block reaches, in one statement; idempotent (a retry adds
    none twice). Returns how many were written now."""
    texts = describe(block)
    users_sql, users_params = _recipients(block).query.sql_with_params()
    table = BlockNotice._meta.db_table
    # S608: only table names and Django's own SQL are interpolated; values are parameters.
    # "WHERE 1 = 1" lets SQLite tell the SELECT from the ON CONFLICT clause.
    statement = f"""
        INSERT INTO {table} (block_id, user_id, program_id, scope, decided_by, observed, created_at)
        SELECT DISTINCT %s, reached.user_id, %s, %s, %s, %s, %s
        FROM ({users_sql}) AS reached WHERE 1 = 1
        ON CONFLICT DO NOTHING
    """  # noqa: S608
    params = (
        block.pk,
        block.program_id,
        texts["scope"],
        texts["decided_by"],
        texts["observed"],
        timezone.now(),
        *users_params,
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return max(cursor.rowcount, 0)
