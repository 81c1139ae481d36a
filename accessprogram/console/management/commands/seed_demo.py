"""`manage.py seed_demo`: a demo program with accounts, rates, an open feedback form and money
(a paid month and a month under way: console/management/demo_money.py).

It lives in the console app, the top layer, because the demo touches every part: access
(tokens), compensation (a rate card) and feedback (a form). Safe to run on every start.
"""

import datetime
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accessprogram.access.models import ApiToken
from accessprogram.access.services import issue_token, revoke_token
from accessprogram.compensation import rules
from accessprogram.compensation.models import RateCard
from accessprogram.compensation.services import publish_rate_card
from accessprogram.feedback import services as feedback
from accessprogram.feedback.models import FeedbackForm, Question
from accessprogram.programs.models import Agreement, Membership, Program
from accessprogram.programs.services import accept_agreement, publish_agreement

from ..demo_money import seed_money

DEMO_AGREEMENT = (
    "Demo terms: keep outputs private until a reviewer approves sharing, and never publish "
    "your API token."
)
DEMO_RATES = {
    "per_form_completed": Decimal("5.00"),
    "per_bug_low": Decimal("10.00"),
    "per_bug_medium": Decimal("20.00"),
    "per_bug_high": Decimal("40.00"),
    "per_bug_critical": Decimal("80.00"),
    "per_hour": Decimal("30.00"),
    "monthly_stipend": Decimal("150.00"),
    "licence_fee": Decimal("250.00"),
}
DEMO_FORM_TITLE = "First impressions"
DEMO_QUESTIONS = [
    # (kind, label, required, options)
    (Question.Kind.RATING, "How close did the videos come to your prompts?", True, ()),
    (
        Question.Kind.SINGLE,
        "What did you mostly make?",
        True,
        ("Storyboards", "Music videos", "Animation tests", "Something else"),
    ),
    (Question.Kind.OUTPUT, "Which of your outputs is the best so far?", False, ()),
    (Question.Kind.LONG, "What should we fix first?", False, ()),
]
DEMO_TOKEN_NAME = "Demo token"  # noqa: S105 - a label, not a secret
DEMO_ACCOUNTS = [
    # (username, email, role, first name, password)
    ("artist", "artist@example.com", Membership.Role.TESTER, "Ada", "artist-demo-pass"),
    ("artist2", "artist2@example.com", Membership.Role.TESTER, "Bea", "artist-demo-pass"),
    ("reviewer", "reviewer@example.com", Membership.Role.REVIEWER, "Rui", "reviewer-demo-pass"),
    ("finance", "finance@example.com", Membership.Role.FINANCE, "Fen", "finance-demo-pass"),
    ("admin", "admin@example.com", Membership.Role.ADMIN, "Alex", "admin-demo-pass"),
]


class Command(BaseCommand):
    help = "Create (or refresh) a demo program with demo accounts and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000/")

    @transaction.atomic
    def handle(self, *args, url, **options):
        program, _ = Program.objects.get_or_create(
            slug="demo",
            defaults={"name": "Aurora Video Beta", "daily_generation_quota": 50},
        )
        users = {}
        for username, email, role, first_name, password in DEMO_ACCOUNTS:
            user, created = get_user_model().objects.get_or_create(
                username=username, defaults={"email": email, "first_name": first_name}
            )
            if created:
                user.set_password(password)
            user.is_staff = user.is_superuser = role == Membership.Role.ADMIN
            user.save()
            Membership.objects.get_or_create(user=user, program=program, defaults={"role": role})
            # allauth signs in verified addresses only.
            EmailAddress.objects.update_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )
            users[username] = user
        # The demo testers have accepted the current agreement, so they reach the portal at once.
        agreement = Agreement.objects.filter(program=program).order_by("-version").first()
        if agreement is None:
            agreement = publish_agreement(program=program, text=DEMO_AGREEMENT)
        for username, _, role, _, _ in DEMO_ACCOUNTS:
            if role == Membership.Role.TESTER:
                accept_agreement(user=users[username], agreement=agreement, ip_address=None)
        self._seed_rates_and_feedback(program=program, admin=users["admin"])
        testers = {
            m.user.username: m
            for m in Membership.objects.filter(
                program=program, role=Membership.Role.TESTER, user__in=users.values()
            ).select_related("user")
        }
        seed_money(program=program, testers=testers, finance=users["finance"])
        # One live demo token at a time: a re-run replaces it, since the old secret was not kept.
        artist = Membership.objects.get(user=users["artist"], program=program)
        for token in ApiToken.objects.filter(
            membership=artist, name=DEMO_TOKEN_NAME, revoked_at__isnull=True
        ):
            revoke_token(token=token, reason="Replaced by a new demo token.")
        secret = issue_token(
            membership=artist, name=DEMO_TOKEN_NAME, via="manage.py seed_demo"
        ).secret

        write = self.stdout.write
        write(self.style.SUCCESS(f"\nDemo program '{program.name}' is ready.\n"))
        write(f"  Portal:    {url}")
        write(f"  API docs:  {url}api/docs/")
        write(f"  Admin:     {url}admin/\n")
        write("  Sign in with (username / password):")
        for username, _, role, _, password in DEMO_ACCOUNTS:
            write(f"    {role:<16} {username} / {password}")
        write(
            "  (Staff accounts are asked to set up two-factor authentication (TOTP) on their first"
            " console visit.)"
        )
        write("\n  Demo tester API token (shown once; stored hashed):")
        write(f"    {secret}\n")
        write("  Try it with the openai SDK:")
        write(
            f'    OpenAI(base_url="{url}v1", api_key="{secret}")'
            '.videos.create(prompt="a paper boat at dusk", seconds="4", size="1280x720")\n'
        )
        if settings.DEBUG:
            write("  (DEBUG is on.)")

    def _seed_rates_and_feedback(self, *, program: Program, admin) -> None:
        """A rate card and an open feedback form, once: a re-run leaves staff edits alone."""
        if not RateCard.objects.filter(program=program).exists():
            # In effect since the start of last month, the demo's paid period (demo_money.py).
            since = datetime.datetime.combine(
                rules.previous_month(), datetime.time.min, datetime.UTC
            )
            publish_rate_card(
                program=program, currency="EUR", effective_from=since, actor=admin, **DEMO_RATES
            )
        if FeedbackForm.objects.filter(program=program, title=DEMO_FORM_TITLE).exists():
            return
        now = timezone.now()
        form = feedback.create_form(
            program=program,
            title=DEMO_FORM_TITLE,
            description="Five minutes on your first week; each completed form is paid.",
            opens_at=now - datetime.timedelta(minutes=1),
            closes_at=now + datetime.timedelta(days=30),
            actor=admin,
        )
        for kind, label, required, options in DEMO_QUESTIONS:
            feedback.add_question(
                form=form, kind=kind, label=label, required=required, options=options, actor=admin
            )
        feedback.publish_form(form=form, actor=admin)
