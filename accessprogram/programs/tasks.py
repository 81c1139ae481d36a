from celery import shared_task
from django.db.models import F
from django.utils import timezone

from . import emails
from .invitations import digest
from .models import Application, Invitation


@shared_task(ignore_result=True)
def send_invitation_email(invitation_id: int, secret: str) -> None:
    """Mail the link. Skipped when the invitation was revoked or resent (a newer secret) since."""
    invitation = (
        Invitation.objects.live()
        .select_related("program", "cohort")
        .filter(pk=invitation_id, digest=digest(secret))
        .first()
    )
    if invitation is None:
        return
    emails.send_invitation(invitation=invitation, secret=secret)
    Invitation.objects.filter(pk=invitation_id).update(
        sent_at=timezone.now(), send_count=F("send_count") + 1
    )


@shared_task(ignore_result=True)
def send_decline_email(application_id: int) -> None:
    application = (
        Application.objects.select_related("program")
        .filter(pk=application_id, status=Application.Status.DECLINED)
        .first()
    )
    if application is not None:
        emails.send_decline(application=application)
