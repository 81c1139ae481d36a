"""Reactions to events from lower layers."""

from django.dispatch import receiver

from accessprogram.access.models import AccessBlock
from accessprogram.access.signals import access_revoked
from accessprogram.programs.models import Membership

from .models import Generation
from .services import cancel_generations

Level = AccessBlock.Level


@receiver(access_revoked, dispatch_uid="generation.cancel_jobs_on_access_revoked")
def cancel_jobs_of_blocked_access(*, level, target_id, program_id, reason, **kwargs):
    """Queued and running jobs of whatever lost access are cancelled (and stopped at the engine)."""
    jobs = Generation.objects.filter(program_id=program_id)
    if level == Level.TOKEN:
        jobs = jobs.filter(token_id=target_id)
    elif level == Level.MEMBERSHIP:
        jobs = jobs.filter(tester__memberships__pk=target_id)
    elif level == Level.COHORT:
        testers = Membership.objects.filter(cohort_id=target_id).values("user_id")
        jobs = jobs.filter(tester_id__in=testers)
    cancel_generations(jobs=jobs, reason=f"Stopped because access was withdrawn: {reason}")
