from celery import shared_task

from accessprogram.programs.models import Program

from .stipends import award_stipends, previous_month


@shared_task(name="compensation.award_monthly_stipends", ignore_result=True)
def award_monthly_stipends() -> int:
    """Pay last month's stipends in every program past its draft. Idempotent, so beat runs it daily:
    a day the worker was down is caught up the next day."""
    month = previous_month()
    paid = 0
    for program in Program.objects.exclude(status=Program.Status.DRAFT).order_by("pk"):
        paid += award_stipends(program=program, month=month).paid_count
    return paid
