"""Emails of onboarding. Rendered from templates/programs/email/."""

from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Agreement, Application, Invitation, Membership

# Notices go out over one connection, this many messages at a time.
NOTICE_BATCH = 500


def invitation_link(secret: str) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse("programs:invitation", args=[secret])


def send_invitation(*, invitation: Invitation, secret: str) -> None:
    context = {"invitation": invitation, "link": invitation_link(secret)}
    subject = render_to_string("programs/email/invitation_subject.txt", context).strip()
    body = render_to_string("programs/email/invitation_message.txt", context)
    send_mail(subject, body, None, [invitation.email])


def send_decline(*, application: Application) -> None:
    context = {"application": application}
    subject = render_to_string("programs/email/decline_subject.txt", context).strip()
    body = render_to_string("programs/email/decline_message.txt", context)
    send_mail(subject, body, None, [application.email])


def send_agreement_notices(*, agreement: Agreement) -> int:
    """Mail each active tester who has not accepted `agreement`: what changed is for them to
    read at the link; the message says by when they must accept. Returns how many were sent."""
    link = settings.PORTAL_URL.rstrip("/") + reverse(
        "programs:agreement", args=[agreement.program.slug]
    )
    context = {"agreement": agreement, "program": agreement.program, "link": link}
    subject = render_to_string("programs/email/agreement_subject.txt", context).strip()
    body = render_to_string("programs/email/agreement_message.txt", context)
    addresses = (
        Membership.objects.filter(
            program_id=agreement.program_id,
            role=Membership.Role.TESTER,
            status=Membership.Status.ACTIVE,
        )
        .exclude(user__agreement_acceptances__agreement=agreement)
        .values_list("user__email", flat=True)
        .order_by("pk")
    )
    sent, batch = 0, []
    with get_connection() as connection:
        for address in addresses.iterator(chunk_size=NOTICE_BATCH):
            batch.append(EmailMessage(subject, body, None, [address], connection=connection))
            if len(batch) == NOTICE_BATCH:
                sent += connection.send_messages(batch) or 0
                batch = []
        if batch:
            sent += connection.send_messages(batch) or 0
    return sent
