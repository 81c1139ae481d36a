"""Emails of onboarding. Rendered from templates/programs/email/."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import Application, Invitation


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
