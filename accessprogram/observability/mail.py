"""An email backend that counts delivery failures around the configured one."""

from django.conf import settings
from django.core.mail import get_connection
from django.core.mail.backends.base import BaseEmailBackend

from .metrics import EMAIL_FAILURES


class CountingEmailBackend(BaseEmailBackend):
    """Delegates to EMAIL_DELIVERY_BACKEND; every message it fails to hand over is counted,
    whether the backend raised or (fail_silently) just sent fewer."""

    def __init__(self, fail_silently=False, **kwargs):
        super().__init__(fail_silently=fail_silently)
        self.inner = get_connection(
            settings.EMAIL_DELIVERY_BACKEND, fail_silently=fail_silently, **kwargs
        )

    def open(self):
        return self.inner.open()

    def close(self):
        return self.inner.close()

    def send_messages(self, email_messages):
        deliverable = sum(1 for message in email_messages if message.recipients())
        try:
            sent = self.inner.send_messages(email_messages) or 0
        except Exception:
            EMAIL_FAILURES.labels(failure="raised").inc(deliverable)
            raise
        if sent < deliverable:
            EMAIL_FAILURES.labels(failure="not_sent").inc(deliverable - sent)
        return sent
