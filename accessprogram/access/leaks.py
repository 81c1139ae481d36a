"""Leak response: tokens reported by secret scanners, and staff decisions on leak alerts.

Alerts are raised by `anomalies`; reports arrive at /v1/leaked-tokens (`api`). Both are listed
for staff in the console, which calls the actions below.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accessprogram.audit.services import record

from . import anomalies, notifications, tokens
from .blocks import blocks_on
from .models import AccessBlock, ApiToken, LeakAlert, LeakReport
from .revocation import SAFETY_QUEUE, lift_block
from .services import revoke_token

UNRESOLVED = (LeakAlert.Status.OPEN, LeakAlert.Status.ACKNOWLEDGED)


class LeakActionError(Exception):
    """The action does not apply (any more); the message says why."""


@dataclass(frozen=True)
class ReportedString:
    token: str  # whatever the scanner found; may be no token at all
    url: str
    source: str = ""


# --- Scanner reports --------------------------------------------------------------------------


@transaction.atomic
def report_leaked_tokens(*, found: Iterable[ReportedString]) -> list[LeakReport]:
    """Revoke every live token among the reported strings; return the reports of those revoked.

    Strings with a bad checksum are dropped without a database look-up, unknown ones without a
    trace. A token already revoked gets a report for the record (one per URL) but is not
    returned, so the answer never tells the caller which strings were once real tokens."""
    found = [item for item in found if tokens.is_well_formed(item.token)]
    by_digest = {
        token.digest: token
        for token in ApiToken.objects.filter(
            digest__in={tokens.digest(item.token) for item in found}
        ).select_related("membership__program", "membership__user")
    }
    revoked, seen = [], set()
    for item in found:
        token = by_digest.get(tokens.digest(item.token))
        if token is None or (token.pk, item.url) in seen:
            continue
        seen.add((token.pk, item.url))
        report = _report(token=token, item=item)
        if report is not None and report.outcome == LeakReport.Outcome.REVOKED:
            revoked.append(report)
    if revoked:
        transaction.on_commit(lambda: notifications.tokens_reported(reports=revoked))
    return revoked


def _report(*, token: ApiToken, item: ReportedString) -> LeakReport | None:
    program = token.membership.program
    if revoke_token(token=token, reason=f"Found in public by secret scanning: {item.url}"):
        outcome, status = LeakReport.Outcome.REVOKED, LeakReport.Status.OPEN
    elif LeakReport.objects.filter(token=token, url=item.url).exists():
        return None  # reported before: nothing new
    else:  # dead already: kept for the record, nothing for staff to do
        outcome, status = LeakReport.Outcome.ALREADY_REVOKED, LeakReport.Status.RESOLVED
    report = LeakReport.objects.create(
        token=token,
        program=program,
        url=item.url,
        source=item.source,
        outcome=outcome,
        status=status,
        handled_at=timezone.now() if status == LeakReport.Status.RESOLVED else None,
    )
    record(
        action="leak.reported",
        target=report,
        token=token.display_prefix,
        program=program.slug,
        url=item.url,
        source=item.source,
        outcome=outcome,
        link_queue=SAFETY_QUEUE,  # with the revocation's record: nothing linked on this path
    )
    return report


@transaction.atomic
def set_report_status(*, report: LeakReport, status: str, actor) -> LeakReport:
    """Acknowledge or resolve a report (its token is revoked already; this tracks follow-up)."""
    report = LeakReport.objects.select_for_update().get(pk=report.pk)
    allowed = {
        LeakReport.Status.ACKNOWLEDGED: (LeakReport.Status.OPEN,),
        LeakReport.Status.RESOLVED: (LeakReport.Status.OPEN, LeakReport.Status.ACKNOWLEDGED),
    }
    if report.status not in allowed.get(status, ()):
        raise LeakActionError(f"This report is {report.get_status_display().lower()} already.")
    report.status, report.handled_at, report.handled_by = status, timezone.now(), actor
    report.save(update_fields=["status", "handled_at", "handled_by"])
    record(action=f"leak.report_{status}", target=report, actor=actor)
    return report


# --- Alerts -----------------------------------------------------------------------------------


def _locked_unresolved(alert: LeakAlert) -> LeakAlert:
    alert = (
        LeakAlert.objects.select_for_update()
        .select_related("token__membership__program")
        .get(pk=alert.pk)
    )
    if alert.is_resolved:
        raise LeakActionError("This alert is resolved already.")
    return alert


def _resolve(alert: LeakAlert, *, resolution: str, actor) -> LeakAlert:
    alert.status, alert.resolution = LeakAlert.Status.RESOLVED, resolution
    alert.resolved_at, alert.resolved_by = timezone.now(), actor
    alert.save(update_fields=["status", "resolution", "resolved_at", "resolved_by"])
    return alert


@transaction.atomic
def acknowledge_alert(*, alert: LeakAlert, actor) -> LeakAlert:
    """Someone is on it; the token stays suspended."""
    alert = _locked_unresolved(alert)
    if alert.status == LeakAlert.Status.ACKNOWLEDGED:
        raise LeakActionError("This alert is acknowledged already.")
    alert.status = LeakAlert.Status.ACKNOWLEDGED
    alert.acknowledged_at, alert.acknowledged_by = timezone.now(), actor
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    record(action="leak.alert_acknowledged", target=alert, actor=actor)
    return alert


@transaction.atomic
def dismiss_alert(*, alert: LeakAlert, actor) -> LeakAlert:
    """Close the alert and leave the token as it is (a suspension stays in force)."""
    alert = _resolve(
        _locked_unresolved(alert), resolution=LeakAlert.Resolution.DISMISSED, actor=actor
    )
    record(action="leak.alert_resolved", target=alert, actor=actor, resolution=alert.resolution)
    transaction.on_commit(lambda: anomalies.forget_use(token=alert.token))
    return alert


@transaction.atomic
def revoke_alerted_token(*, alert: LeakAlert, actor) -> LeakAlert:
    """The use was a leak: revoke the token for good and close the alert."""
    alert = _locked_unresolved(alert)
    revoke_token(token=alert.token, reason=f"Revoked after leak alert #{alert.pk}.", actor=actor)
    alert = _resolve(alert, resolution=LeakAlert.Resolution.REVOKED, actor=actor)
    record(action="leak.alert_resolved", target=alert, actor=actor, resolution=alert.resolution)
    transaction.on_commit(lambda: anomalies.forget_use(token=alert.token))
    return alert


@transaction.atomic
def reinstate_alerted_token(*, alert: LeakAlert, actor) -> LeakAlert:
    """The use was legitimate: lift the automatic suspension, count afresh, close the alert."""
    alert = _locked_unresolved(alert)
    token = ApiToken.objects.get(pk=alert.token_id)
    if token.revoked_at is not None:
        raise LeakActionError("The token has been revoked meanwhile; it cannot be reinstated.")
    suspensions = blocks_on(token_id=token.pk).filter(kind=AccessBlock.Kind.SUSPENSION)
    for block in suspensions:
        lift_block(block=block, actor=actor)
    alert = _resolve(alert, resolution=LeakAlert.Resolution.REINSTATED, actor=actor)
    record(action="leak.alert_resolved", target=alert, actor=actor, resolution=alert.resolution)
    transaction.on_commit(lambda: anomalies.forget_use(token=alert.token))
    return alert


# --- Reads ------------------------------------------------------------------------------------


def unresolved_alerts(*, programs) -> QuerySet[LeakAlert]:
    return LeakAlert.objects.filter(program__in=programs, status__in=UNRESOLVED).select_related(
        "program", "token__membership__user", "suspension", "acknowledged_by"
    )


def unresolved_reports(*, programs) -> QuerySet[LeakReport]:
    return LeakReport.objects.filter(
        program__in=programs, status__in=(LeakReport.Status.OPEN, LeakReport.Status.ACKNOWLEDGED)
    ).select_related("program", "token__membership__user", "handled_by")
