"""Emails about blocks and appeals: each tester's notice, its lifting, and the decision on
their appeal.

Sent from tasks after commit. Notices go out in batches over one connection each and are marked
as mailed batch by batch, so a retried task mails nobody twice. Sending failures are logged, not
raised: the notice stands in the portal either way.
"""

import logging

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.core.mail.message import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .models import AccessBlock, BlockAppeal, BlockNotice

logger = logging.getLogger(__name__)

BATCH = 500


def notice_link(notice: BlockNotice) -> str:
    return settings.PORTAL_URL.rstrip("/") + reverse("block-notice", args=[notice.pk])


def _notice_email(notice: BlockNotice, block: AccessBlock) -> EmailMessage:
    context = {"notice": notice, "block": block, "link": notice_link(notice)}
    subject = render_to_string("access/email/block_notice_subject.txt", context).strip()
    body = render_to_string("access/email/block_notice.txt", context)
    return EmailMessage(subject, body, None, [notice.user.email])


def _lifted_email(notice: BlockNotice, block: AccessBlock) -> EmailMessage:
    context = {"notice": notice, "block": block, "link": notice_link(notice)}
    subject = render_to_string("access/email/block_lifted_subject.txt", context).strip()
    body = render_to_string("access/email/block_lifted.txt", context)
    return EmailMessage(subject, body, None, [notice.user.email])


def mail_notices(*, block: AccessBlock) -> int:
    """Mail every notice of `block` not mailed yet; returns how many were sent."""
    unsent = BlockNotice.objects.filter(block=block, emailed_at__isnull=True)
    return _mail_in_batches(unsent, block=block, compose=_notice_email, mark="emailed_at")


def mail_lifted(*, block: AccessBlock) -> int:
    """Tell everyone `block` reached that it was lifted, once; not those whose granted appeal
    lifted it (the decision's email said so)."""
    unsent = BlockNotice.objects.filter(
        block=block, emailed_at__isnull=False, lift_emailed_at__isnull=True
    ).exclude(appeal__status=BlockAppeal.Status.LIFTED)
    return _mail_in_batches(unsent, block=block, compose=_lifted_email, mark="lift_emailed_at")


def _mail_in_batches(notices, *, block: AccessBlock, compose, mark: str) -> int:
    """Send `compose(notice, block)` for each notice, a batch per connection, marking each
    batch as sent (`mark`) so a retried task mails nobody twice."""
    unsent = notices.exclude(user__email="").select_related("user").order_by("pk")
    sent = 0
    while batch := list(unsent[:BATCH]):
        try:
            with get_connection() as connection:
                connection.send_messages([compose(notice, block) for notice in batch])
        except Exception:
            logger.exception("Could not email %d notice(s) about block %s", len(batch), block.pk)
            return sent
        BlockNotice.objects.filter(pk__in=[notice.pk for notice in batch]).update(
            **{mark: timezone.now()}
        )
        sent += len(batch)
    return sent


def mail_decision(*, appeal: BlockAppeal) -> None:
    notice = appeal.notice
    if not notice.user.email:
        return
    context = {"appeal": appeal, "notice": notice, "link": notice_link(notice)}
    subject = render_to_string("access/email/appeal_decided_subject.txt", context).strip()
    body = render_to_string("access/email/appeal_decided.txt", context)
    try:
        send_mail(subject, body, None, [notice.user.email])
    except Exception:
        logger.exception("Could not email the decision on appeal %s", appeal.pk)
