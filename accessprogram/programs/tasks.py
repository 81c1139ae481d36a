from celery import shared_task

from . import emails
from .invitations import mint_link_secret
from .models import Agreement, Application


@shared_task(ignore_result=True)
def send_invitation_email(invitation_id: int) -> None:
    """Mint the link's secret and mail it. The message carries only the id: the secret never
    passes through the broker, and exists outside this task only in the email."""
    mint_link_secret(invitation_id=invitation_id, deliver=emails.send_invitation)


@shared_task(ignore_result=True)
def send_decline_email(application_id: int) -> None:
    application = (
        Application.objects.select_related("program")
        .filter(pk=application_id, status=Application.Status.DECLINED)
        .first()
    )
    if application is not None:
        emails.send_decline(application=application)


@shared_task(ignore_result=True)
def send_agreement_notices(agreement_id: int) -> None:
    """Tell the program's testers about a new agreement version and when it binds."""
    agreement = Agreement.objects.select_related("program").filter(pk=agreement_id).first()
    if agreement is not None:
        emails.send_agreement_notices(agreement=agreement)
