"""Counts of what is open or enrolled now, many in one statement: scalar subqueries on the
program rows, each answered from its table's (program, status) index."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from accessprogram.access.models import LeakAlert, LeakReport
from accessprogram.compensation.models import Severity
from accessprogram.feedback.models import BugReport
from accessprogram.programs.models import Membership, Program

OPEN_BUG = Q(status__in=(BugReport.Status.NEW, BugReport.Status.CONFIRMED))


def _count(rows: QuerySet) -> Coalesce:
    counted = (
        rows.filter(program_id=OuterRef("pk"))
        .order_by()
        .values("program_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def open_counts(*, program_ids) -> dict[int, dict[str, int]]:
    """{program id: {"open_alerts", "open_reports", "bugs_<severity>": n}} in one query."""
    bugs = BugReport.objects.filter(OPEN_BUG)
    counts = {
        "open_alerts": _count(LeakAlert.objects.exclude(status=LeakAlert.Status.RESOLVED)),
        "open_reports": _count(LeakReport.objects.exclude(status=LeakReport.Status.RESOLVED)),
        **{f"bugs_{severity}": _count(bugs.filter(severity=severity)) for severity in Severity},
    }
    rows = Program.objects.filter(pk__in=program_ids).order_by().annotate(**counts)
    return {row.pop("pk"): row for row in rows.values("pk", *counts)}


def testers_by_cohort(*, program_ids) -> dict[tuple[int, int | None], int]:
    """Active testers per (program id, cohort id or None): one GROUP BY."""
    return {
        (program_id, cohort_id): n
        for program_id, cohort_id, n in Membership.objects.filter(
            program_id__in=program_ids,
            role=Membership.Role.TESTER,
            status=Membership.Status.ACTIVE,
        )
        .order_by()
        .values("program_id", "cohort_id")
        .annotate(n=Count("id"))
        .values_list("program_id", "cohort_id", "n")
    }


def testers_in(testers: dict[tuple[int, int | None], int], program_id: int) -> int:
    return sum(n for (pk, _), n in testers.items() if pk == program_id)
