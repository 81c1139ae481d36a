import datetime

import pytest
from django.utils import timezone


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
