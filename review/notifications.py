"""Telling testers what happened to their share requests: a portal notification and an email.

Called inside the services' transactions; the email leaves after commit, so a rolled-back
decision never mails anyone, and a mail server that is down never undoes a decision.
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import Notification, ReviewDecision, ShareRequest

logger = logging.getLogger(__name__)

Kind = Notification.Kind

_TITLES = {
    Kind.APPROVED: "Your share request was approved",
    Kind.REJECTED: "Your share request was turned down",
    Kind.CHANGES_REQUESTED: "Changes requested on your share request",
    Kind.APPROVAL_REVOKED: "The approval of your shared output was revoked",
    Kind.LINK_REVOKED: "Your share link was revoked",
    Kind.USED_BY_ORGANISERS: "The organisers used your output",
}

_DECISION_KINDS = {
    ShareRequest.Status.APPROVED: Kind.APPROVED,
    ShareRequest.Status.REJECTED: Kind.REJECTED,
    ShareRequest.Status.CHANGES_REQUESTED: Kind.CHANGES_REQUESTED,
}


def portal_url(path: str) -> str:
    return settings.PORTAL_URL.rstrip("/") + path


def _send_email(*, to: str, context: dict) -> None:
    subject = render_to_string("review/email/notification_subject.txt", context).strip()
    body = render_to_string("review/email/notification_message.txt", context)
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # the portal notification stands; the failure is logged for operators
        logger.exception("Could not email %s about a share request", to)


def notify(
    *,
    share_request: ShareRequest,
    kind: str,
    decision: ReviewDecision | None = None,
    note: str = "",
    share_url: str = "",
) -> Notification:
    """Record a notification for the request's tester and email them after commit.

    The stored notification refers to the request (its page shows the live link); only the email
    carries the share URL, so the link is not copied into rows that staff can browse."""
    user = share_request.requested_by
    mine = reverse("review:mine") + f"#request-{share_request.pk}"
    reason = decision.reason_code if decision else ""
    body = render_to_string(
        "review/email/notification_body.txt",
        {
            "kind": kind,
            "share_request": share_request,
            "reason": reason,
            "note": note or (decision.note if decision else ""),
        },
    ).strip()
    notification = Notification.objects.create(
        user=user,
        kind=kind,
        share_request=share_request,
        title=_TITLES[kind],
        body=body,
        url=mine,
        created_at=timezone.now(),
    )
    if user.email:
        context = {
            "notification": notification,
            "share_request": share_request,
            "user": user,
            "link": portal_url(mine),
            "share_url": share_url,
        }
        transaction.on_commit(partial(_send_email, to=user.email, context=context))
    return notification


def notify_decision(*, share_request: ShareRequest, decision: ReviewDecision, share_url: str = ""):
    """After a decision that ended the request (an approval still waiting for a second
    reviewer tells the tester nothing yet)."""
    kind = _DECISION_KINDS.get(share_request.status)
    if kind is None:
        return None
    return notify(share_request=share_request, kind=kind, decision=decision, share_url=share_url)
