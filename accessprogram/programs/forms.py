from allauth.account.forms import SignupForm
from allauth.core import context
from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect

from .adapters import SESSION_KEY, session_invitation
from .invitations import accept_invitation
from .services import OnboardingError


class InvitationSignupForm(SignupForm):
    """allauth's sign-up with the email fixed to the invitation's; signing up accepts it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        invitation = session_invitation(context.request)
        if invitation is not None and "email" in self.fields:
            self.fields["email"].initial = invitation.email
            self.fields["email"].widget.attrs["readonly"] = True
            self.fields["email"].help_text = "The address your invitation was sent to."

    def try_save(self, request):
        invitation = session_invitation(request)
        if invitation is None:  # revoked or expired while the form was open
            messages.error(request, "Your invitation can no longer be used.")
            return None, redirect("account_login")
        try:
            # The account and the membership exist together or not at all.
            with transaction.atomic():
                user, response = super().try_save(request)
                if user is not None:
                    accept_invitation(invitation_id=invitation.pk, user=user)
        except OnboardingError as error:
            messages.error(request, str(error))
            return None, redirect("account_login")
        request.session.pop(SESSION_KEY, None)
        return user, response
