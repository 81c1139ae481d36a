from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accessprogram.access.scopes import ALL_SCOPES
from accessprogram.access.services import TokenError, issue_token
from accessprogram.programs.selectors import tester_memberships

VIA = "manage.py create_token"


def _one_user(email: str):
    users = list(get_user_model().objects.filter(email__iexact=email)[:2])
    if not users:
        raise CommandError(f"No user with email {email}.")
    if len(users) > 1:
        raise CommandError(f"Several users have the email {email}; fix that in the admin first.")
    return users[0]


class Command(BaseCommand):
    help = (
        "Print a new API token for an existing tester (shown once, stored hashed). The audit "
        "record names the operator given with --actor, or the system when there is none; never "
        "the tester."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The tester who will hold the token.")
        parser.add_argument("--name", default="CLI token")
        parser.add_argument("--program", help="Program slug, when the tester is in several.")
        parser.add_argument(
            "--scope",
            action="append",
            choices=ALL_SCOPES,
            dest="scopes",
            help="A permission the token gets (repeat for several; default: all of them).",
        )
        parser.add_argument(
            "--network",
            action="append",
            dest="networks",
            default=[],
            help="Only usable from this IP address or CIDR network (repeat for several).",
        )
        parser.add_argument("--daily-limit", type=int, help="At most this many generations a day.")
        parser.add_argument(
            "--actor",
            metavar="EMAIL",
            help="The operator running this, recorded as the actor (default: the system).",
        )

    def handle(
        self, *args, email, name, program, scopes, networks, daily_limit, actor=None, **options
    ):
        operator = _one_user(actor) if actor else None
        user = _one_user(email)
        memberships = tester_memberships(user=user)
        if program:
            memberships = memberships.filter(program__slug=program)
        memberships = list(memberships)
        if not memberships:
            raise CommandError(f"{email} is not an active tester in an active program.")
        if len(memberships) > 1:
            slugs = ", ".join(m.program.slug for m in memberships)
            raise CommandError(f"{email} tests several programs; pass --program ({slugs}).")
        try:
            issued = issue_token(
                membership=memberships[0],
                name=name,
                scopes=scopes,
                allowed_networks=networks,
                daily_generation_limit=daily_limit,
                actor=operator,
                via=VIA,
            )
        except TokenError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(issued.secret)
