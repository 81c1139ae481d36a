"""Django admin lists every onboarding model (for a superuser with MFA set up)."""

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from factories import UserFactory


@pytest.mark.parametrize(
    "model",
    [
        "agreement",
        "agreementacceptance",
        "invitation",
        "application",
        "applicationquestion",
        "testerprofile",
    ],
)
def test_admin_changelists_render(client, db, model):
    admin = UserFactory(is_staff=True, is_superuser=True)
    Authenticator.objects.create(user=admin, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(admin)
    assert client.get(reverse(f"admin:programs_{model}_changelist")).status_code == 200
