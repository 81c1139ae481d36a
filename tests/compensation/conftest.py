import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accessprogram.compensation.services import publish_rate_card
from factories import UserFactory


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def rate_card(program, staff):
    """Rates in effect since yesterday: 30 USD an hour, 5 per form, bugs 10/20/40/80."""
    return publish_rate_card(
        program=program,
        currency="USD",
        effective_from=timezone.now() - datetime.timedelta(days=1),
        actor=staff,
        per_form_completed=Decimal("5.00"),
        per_bug_low=Decimal("10.00"),
        per_bug_medium=Decimal("20.00"),
        per_bug_high=Decimal("40.00"),
        per_bug_critical=Decimal("80.00"),
        per_hour=Decimal("30.00"),
        monthly_stipend=Decimal("100.00"),
        licence_fee=Decimal("250.00"),
    )


@pytest.fixture
def today():
    return timezone.now().astimezone(datetime.UTC).date()


@pytest.fixture
def clock():
    """`with clock(moment):` services run as if it were `moment`, and ledger rows are written
    then. Periods can only be closed once they are over, so their history lies in the past."""
    from contextlib import contextmanager
    from unittest import mock

    from accessprogram.compensation.models import LedgerEntry

    @contextmanager
    def at(moment):
        field = LedgerEntry._meta.get_field("created_at")
        with (
            mock.patch("django.utils.timezone.now", return_value=moment),
            mock.patch.object(field, "_get_default", lambda: moment),
        ):
            yield

    return at


@pytest.fixture
def finance(program):
    from accessprogram.programs.models import Membership
    from factories import MembershipFactory

    return MembershipFactory(program=program, role=Membership.Role.FINANCE)
