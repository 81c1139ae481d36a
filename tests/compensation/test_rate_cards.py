import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accessprogram.audit.models import AuditRecord
from accessprogram.compensation.models import RateCard
from accessprogram.compensation.selectors import current_rate_card
from accessprogram.compensation.services import CompensationError, publish_rate_card


def test_publishing_a_new_version_keeps_the_old_one(program, staff):
    now = timezone.now()
    first = publish_rate_card(
        program=program,
        currency="EUR",
        effective_from=now - datetime.timedelta(days=30),
        actor=staff,
        per_hour="25.00",
    )
    second = publish_rate_card(
        program=program,
        currency="EUR",
        effective_from=now - datetime.timedelta(days=1),
        actor=staff,
        per_hour=Decimal("32.50"),
        per_bug_critical=100,
    )
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.per_hour == Decimal("25.00")
    assert second.per_bug("critical") == Decimal("100.00")
    assert second.per_bug("low") == Decimal("0.00")
    assert RateCard.objects.filter(program=program).count() == 2
    assert AuditRecord.objects.filter(action="compensation.rate_card.publish").count() == 2


def test_current_rate_card_is_the_one_in_effect_at_the_time(program, staff):
    now = timezone.now()
    old = publish_rate_card(
        program=program, currency="USD", effective_from=now - datetime.timedelta(days=10)
    )
    new = publish_rate_card(
        program=program, currency="USD", effective_from=now + datetime.timedelta(days=10)
    )
    assert current_rate_card(program=program) == old
    assert current_rate_card(program=program, at=now + datetime.timedelta(days=11)) == new
    assert current_rate_card(program=program, at=now - datetime.timedelta(days=11)) is None


def test_a_version_cannot_take_effect_before_the_previous_one(program):
    now = timezone.now()
    publish_rate_card(program=program, currency="USD", effective_from=now)
    with pytest.raises(CompensationError, match="cannot take effect before"):
        publish_rate_card(
            program=program, currency="USD", effective_from=now - datetime.timedelta(days=1)
        )
    assert RateCard.objects.count() == 1


@pytest.mark.parametrize(
    ("rates", "currency", "message"),
    [
        ({"per_hour": "-1.00"}, "USD", "cannot be negative"),
        ({"per_hour": 12.5}, "USD", "must be a Decimal, not float"),
        ({"per_hour": "1.005"}, "USD", "more than two decimal places"),
        ({"per_hour": "lots"}, "USD", "not a number"),
        ({"per_hour": "NaN"}, "USD", "finite"),
        ({"per_hour": "1e12"}, "USD", "too large"),
        ({"per_minute": "1.00"}, "USD", "Unknown rates: per_minute"),
        ({}, "XYZ", "Unknown currency 'XYZ'"),
        ({}, "", "Unknown currency"),
    ],
)
def test_bad_rates_write_nothing(program, rates, currency, message):
    with pytest.raises(CompensationError, match=message):
        publish_rate_card(program=program, currency=currency, **rates)
    assert not RateCard.objects.exists()
    assert not AuditRecord.objects.filter(action="compensation.rate_card.publish").exists()
