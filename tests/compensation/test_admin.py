import pytest
from django.urls import reverse
from django.utils import timezone

from accessprogram.compensation.models import LedgerEntry
from accessprogram.compensation.services import award, log_time
from factories import UserFactory


@pytest.fixture
def superuser_client(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_lists_and_shows_but_never_edits(superuser_client, tester, rate_card):
    entry = award(
        membership=tester,
        kind=LedgerEntry.Kind.STIPEND,
        amount="100.00",
        currency="USD",
        idempotency_key="stipend:1",
    )
    log_time(membership=tester, started_at=timezone.now(), minutes=10, description="x")
    for model in ("ratecard", "ledgerentry", "timelog"):
        response = superuser_client.get(reverse(f"admin:compensation_{model}_changelist"))
        assert response.status_code == 200, model
        assert superuser_client.get(reverse(f"admin:compensation_{model}_add")).status_code == 403
    detail = reverse("admin:compensation_ledgerentry_change", args=[entry.pk])
    assert superuser_client.get(detail).status_code == 200
    response = superuser_client.post(detail, {"amount": "1.00"})
    assert response.status_code == 403
    delete = reverse("admin:compensation_ledgerentry_delete", args=[entry.pk])
    assert superuser_client.post(delete, {"post": "yes"}).status_code == 403
    assert LedgerEntry.objects.get().amount == entry.amount
