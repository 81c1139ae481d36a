"""Leak alerts and leak reports: evidence and decisions.

Program managers and admins of the program only (ACCESS_CONTROL_ROLES); anyone else gets 404,
as do alerts and reports of programs the user does not manage. Actions are POSTs; with htmx
they answer the updated card, without it they redirect back to the list.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from accessprogram.access import leaks
from accessprogram.access.blocks import blocks_in_force
from accessprogram.access.models import AccessBlock, LeakAlert, LeakReport
from accessprogram.console.permissions import ACCESS_CONTROL_ROLES, programs_for
from accessprogram.programs.view_access import staff_view

ALERT_ACTIONS = {
    "acknowledge": (leaks.acknowledge_alert, "Alert acknowledged; the token stays suspended."),
    "resolve": (leaks.dismiss_alert, "Alert resolved; the token was left as it is."),
    "revoke": (leaks.revoke_alerted_token, "Token revoked for good; the alert is resolved."),
    "reinstate": (leaks.reinstate_alerted_token, "Token reinstated; it works again."),
}
REPORT_ACTIONS = {
    "acknowledge": (LeakReport.Status.ACKNOWLEDGED, "Report acknowledged."),
    "resolve": (LeakReport.Status.RESOLVED, "Report resolved."),
}


def _managed_programs(request):
    programs = programs_for(request.user, roles=ACCESS_CONTROL_ROLES)
    if not programs.exists():
        raise Http404("No leak console for you here.")
    return programs


@dataclass(frozen=True)
class AlertCard:
    alert: LeakAlert
    addresses: list[dict]
    user_agents: list[dict]
    suspended: bool


def _rows(rows: list[dict]) -> list[dict]:
    """Evidence rows with real datetimes and each row's share of the busiest, for the bars."""
    busiest = max((row["requests"] for row in rows), default=0) or 1
    return [
        {
            **row,
            "first_seen": parse_datetime(row["first_seen"]),
            "last_seen": parse_datetime(row["last_seen"]),
            "share": max(2, round(100 * row["requests"] / busiest)),
        }
        for row in rows
    ]


def _cards(alerts) -> list[AlertCard]:
    alerts = list(alerts)
    suspended = set(
        blocks_in_force()
        .filter(
            level=AccessBlock.Level.TOKEN,
            kind=AccessBlock.Kind.SUSPENSION,
            target_id__in=[alert.token_id for alert in alerts],
        )
        .values_list("target_id", flat=True)
    )
    return [
        AlertCard(
            alert=alert,
            addresses=_rows(alert.evidence.get("addresses", [])),
            user_agents=_rows(alert.evidence.get("user_agents", [])),
            suspended=alert.token_id in suspended and alert.token.revoked_at is None,
        )
        for alert in alerts
    ]


@staff_view
@require_GET
def leaks_page(request):
    programs = _managed_programs(request)
    return render(
        request,
        "console/leaks.html",
        {
            "cards": _cards(leaks.unresolved_alerts(programs=programs)),
            "reports": leaks.unresolved_reports(programs=programs)[:200],
        },
    )


@staff_view
@require_POST
def alert_action(request, alert_id: int, action: str):
    if action not in ALERT_ACTIONS:
        raise Http404("No such action.")
    programs = _managed_programs(request)
    alert = get_object_or_404(LeakAlert.objects.filter(program__in=programs), pk=alert_id)
    perform, done = ALERT_ACTIONS[action]
    error = None
    try:
        perform(alert=alert, actor=request.user)
    except leaks.LeakActionError as problem:
        error = str(problem)
    if request.htmx:
        alert = LeakAlert.objects.select_related(
            "program", "token__membership__user", "acknowledged_by", "resolved_by"
        ).get(pk=alert.pk)
        context = {"card": _cards([alert])[0], "done": None if error else done, "error": error}
        return render(request, "console/_leak_alert.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("console:leaks")


@staff_view
@require_POST
def report_action(request, report_id: int, action: str):
    if action not in REPORT_ACTIONS:
        raise Http404("No such action.")
    programs = _managed_programs(request)
    report = get_object_or_404(LeakReport.objects.filter(program__in=programs), pk=report_id)
    status, done = REPORT_ACTIONS[action]
    error = None
    try:
        leaks.set_report_status(report=report, status=status, actor=request.user)
    except leaks.LeakActionError as problem:
        error = str(problem)
    if request.htmx:
        report = LeakReport.objects.select_related(
            "program", "token__membership__user", "handled_by"
        ).get(pk=report.pk)
        context = {"report": report, "done": None if error else done, "error": error}
        return render(request, "console/_leak_report.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    return redirect("console:leaks")
