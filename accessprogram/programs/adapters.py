"""Account policy for django-allauth: sign-up is open only to a valid invitation."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied, ValidationError

from accessprogram.client_address import client_ip

from .invitations import usable_invitation
from .models import Invitation
from .services import OnboardingError

SESSION_KEY = "invitation_id"


def session_invitation(request) -> Invitation | None:
    """The invitation this browser opened, if it can still be accepted."""
    if request is None or not hasattr(request, "session"):
        return None
    invitation_id = request.session.get(SESSION_KEY)
    if not invitation_id:
        return None
    invitation = (
        Invitation.objects.select_related("program", "cohort").filter(pk=invitation_id).first()
    )
    if invitation is None:
        return None
    try:
        return usable_invitation(invitation=invitation)
    except OnboardingError:
        return None


class InvitationAccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        """The platform's one client-address rule (sign-in rate limits, the sessions list)."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine the client address.")
        return ip

    def is_open_for_signup(self, request) -> bool:
        return session_invitation(request) is not None

    def clean_email(self, email: str) -> str:
        invitation = session_invitation(self.request)
        if invitation is not None and email.strip().lower() != invitation.email:
            raise ValidationError(
                f"Sign up with the address the invitation was sent to: {invitation.email}."
            )
        return super().clean_email(email)
