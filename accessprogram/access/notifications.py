"""Emails about leaked and suspended tokens to the program's access staff.

The tester hears of it through the block's notice (access.block_notices: portal and email, with
what was observed), so one event never mails them twice. Called through
transaction.on_commit, so nobody hears of a revocation that rolled back. One message per
recipient: no one sees who else was told. Sending failures are logged, not raised:
the revocation has happened either way and the console shows it.
"""

import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mass_mail

from . import policy

logger = logging.getLogger(__name__)

CONSOLE_PATH = "/console/leaks/"


def console_url() -> str:
    return settings.PORTAL_URL.rstrip("/") + CONSOLE_PATH


def responders(program) -> list[str]:
    return sorted(
        set(
            # Who answers for a program's access: those the console lets cut it.
            policy.program_staff(program, policy.MANAGER)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
    )


def _send(messages: list[tuple[str, str, str, list[str]]]) -> None:
    if not messages:
        return
    try:
        send_mass_mail(messages, fail_silently=False)
    except Exception:
        logger.exception("Could not send %d leak notification(s)", len(messages))


def _name(user) -> str:
    return user.get_full_name() or user.email or user.username


def tokens_reported(*, reports) -> None:
    """Tokens just revoked because a secret scanner found them in public."""
    sender = settings.DEFAULT_FROM_EMAIL
    by_program = defaultdict(list)
    for report in reports:
        by_program[report.program].append(report)
    messages = []
    for program, own in by_program.items():
        lines = [
            f"- {r.token.display_prefix}… of {_name(r.token.membership.user)}, found at {r.url}"
            + (f" (reported by {r.source})" if r.source else "")
            for r in own
        ]
        body = (
            f"{len(own)} API token(s) of {program.name} were reported leaked and revoked at "
            "once:\n\n" + "\n".join(lines) + f"\n\nDetails in the console: {console_url()}\n"
        )
        subject = f"[{program.name}] {len(own)} leaked API token(s) revoked"
        messages += [(subject, body, sender, [email]) for email in responders(program)]
    _send(messages)


def alert_raised(*, alert) -> None:
    """A token just suspended automatically after unusual use."""
    sender = settings.DEFAULT_FROM_EMAIL
    token, program = alert.token, alert.program
    user = token.membership.user
    evidence = alert.evidence
    summary = (
        f"{evidence.get('request_count')} requests from {evidence.get('address_count')} "
        f"address(es) with {evidence.get('user_agent_count')} user agent(s) within "
        f"{evidence.get('window_seconds')} s"
    )
    body = (
        f"The API token {token.display_prefix}… of {_name(user)} was suspended automatically: "
        f"{alert.get_kind_display().lower()} ({summary}).\n\n"
        f"Review the evidence, then revoke it for good or reinstate it: {console_url()}\n"
    )
    subject = f"[{program.name}] API token suspended after unusual use"
    _send([(subject, body, sender, [email]) for email in responders(program)])
