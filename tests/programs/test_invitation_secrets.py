"""An invitation's secret exists in the email alone: never in a broker message, never in a log
(finding 6: the secret travelled as a task argument, and the console mail backend printed it).
"""

import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from kombu.messaging import Producer

from accessprogram.celery import app as celery_app
from accessprogram.programs import invitations
from accessprogram.programs.models import Invitation
from accessprogram.programs.tasks import send_invitation_email

ROOT = Path(__file__).resolve().parents[2]
LINK = re.compile(r"/invitations/([^/\s]+)/")


@pytest.fixture
def published(monkeypatch):
    """Every message Celery hands to kombu, as kombu would get it (not sent anywhere)."""
    messages = []

    def capture(self, body, *args, **kwargs):
        messages.append(repr((body, args, kwargs)))

    monkeypatch.setattr(Producer, "publish", capture)
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield messages
    celery_app.conf.task_always_eager = previous


def run_published_task(message: str) -> None:
    """What the worker does with the message: the invitation id is all it gets."""
    (invitation_id,) = re.findall(r"\(\((\d+),\)", message)
    send_invitation_email.apply(args=[int(invitation_id)])


def secret_in(outbox) -> str:
    (secret,) = LINK.findall(outbox[-1].body)
    return secret


@pytest.mark.parametrize("how", ["invite", "resend", "bulk"])
def test_the_secret_is_in_no_broker_message_and_no_log(
    how, program, published, caplog, django_capture_on_commit_callbacks, settings
):
    settings.PORTAL_URL = "https://beta.example.org"
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        if how == "bulk":
            invitations.bulk_invite(program=program, text="Nia,nia@example.com,\n")
        else:
            issued = invitations.invite(program=program, email="nia@example.com")
    if how == "resend":
        published.clear()
        with django_capture_on_commit_callbacks(execute=True):
            invitations.resend_invitation(invitation=issued.invitation)
    (message,) = published
    run_published_task(message)
    secret = secret_in(mail.outbox)
    assert len(secret) >= 40
    assert secret not in message
    assert secret not in caplog.text
    # Only its digest is stored, and the emailed link is the one that works.
    invitation = Invitation.objects.get()
    assert invitation.digest == invitations.digest(secret)
    assert invitations.open_invitation(secret=secret).pk == invitation.pk


def test_resending_kills_the_old_link_before_the_new_email_leaves(
    program, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        issued = invitations.invite(program=program, email="nia@example.com")
    old = secret_in(mail.outbox)
    invitations.resend_invitation(invitation=issued.invitation)  # its email not sent yet
    with pytest.raises(invitations.OnboardingError):
        invitations.open_invitation(secret=old)


def test_a_revoked_invitation_gets_no_email(program, django_capture_on_commit_callbacks):
    issued = invitations.invite(program=program, email="nia@example.com")
    invitations.revoke_invitation(invitation=issued.invitation)
    send_invitation_email.apply(args=[issued.invitation.pk])
    assert mail.outbox == []


def test_development_mail_goes_to_files_not_to_the_log(tmp_path):
    probe = "import django; django.setup(); from django.conf import settings; "
    # EMAIL_BACKEND is the wrapper counting failures; it hands mail to the delivery backend.
    probe += "print(settings.EMAIL_DELIVERY_BACKEND); print(settings.EMAIL_FILE_PATH)"
    env = {
        "DJANGO_SETTINGS_MODULE": "accessprogram.settings",
        "VAR_DIR": str(tmp_path),
        "DEPLOYMENT": "development",
    }
    output = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert output == ["django.core.mail.backends.filebased.EmailBackend", str(tmp_path / "mail")]
