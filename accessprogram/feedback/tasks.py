"""Emails to a bug's reporter when staff change its status or comment where they can see it."""

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage, get_connection, send_mail
from django.template.loader import render_to_string
from django.urls import reverse

from .models import BoardUpdate, BugEvent

logger = logging.getLogger(__name__)


def bug_link(bug) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse("feedback:bug", args=[bug.pk])


@shared_task(ignore_result=True)
def send_bug_update_email(event_id: int) -> None:
    event = (
        BugEvent.objects.select_related("bug__reporter", "bug__program", "bug__duplicate_of")
        .filter(pk=event_id, internal=False)
        .first()
    )
    if event is None or not event.bug.reporter.email:
        return
    context = {"event": event, "bug": event.bug, "link": bug_link(event.bug)}
    # One line: a newline from a bug title in a header would make the mail refuse to send.
    subject = " ".join(render_to_string("feedback/email/bug_update_subject.txt", context).split())
    body = render_to_string("feedback/email/bug_update_message.txt", context)
    send_mail(subject, body, None, [event.bug.reporter.email])


def board_link(item) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse("feedback:board-item", args=[item.pk])


@shared_task(ignore_result=True)
def send_board_update_emails(update_ids: list[int]) -> int:
    """One email per reporter or voter told of a status change, over one connection."""
    updates = BoardUpdate.objects.filter(pk__in=update_ids).select_related("user", "item__program")
    messages = []
    for update in updates:
        if not update.user.email:
            continue
        context = {"update": update, "item": update.item, "link": board_link(update.item)}
        subject = " ".join(
            render_to_string("feedback/email/board_update_subject.txt", context).split()
        )
        body = render_to_string("feedback/email/board_update_message.txt", context)
        messages.append(EmailMessage(subject, body, None, [update.user.email]))
    with get_connection() as connection:
        connection.send_messages(messages)
    return len(messages)
