"""The tester's API token page. Signed-in testers only; each sees and revokes only their own."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accessprogram.programs.view_access import tester_view
from accessprogram.throttling import over_rate

from .forms import NewTokenForm
from .selectors import tokens_of, usable_tester_memberships
from .services import TokenError, issue_token, revoke_token


@tester_view
@require_http_methods(["GET", "POST"])
def tokens(request):
    memberships = usable_tester_memberships(user=request.user)
    form = NewTokenForm(request.POST or None, memberships=memberships)
    new_secret = None
    status = 200
    if request.method == "POST" and over_rate(
        request, group="token-create", key=str(request.user.pk), rate=settings.TOKEN_CREATE_RATE
    ):
        # Counted per user in the shared cache, whatever the outcome: create-revoke loops stop.
        form.add_error(None, "You made too many tokens recently. Try again later.")
        status = 429
    elif request.method == "POST" and memberships and form.is_valid():
        try:
            issued = issue_token(
                membership=form.cleaned_data["membership"],
                name=form.cleaned_data["name"],
                expires_at=form.expires_at(),
                scopes=form.cleaned_data["scopes"],
                allowed_networks=form.cleaned_data["allowed_networks"],
                daily_generation_limit=form.cleaned_data["daily_generation_limit"],
                actor=request.user,
            )
        except TokenError as error:
            form.add_error(None, str(error))
        else:
            new_secret = issued.secret
            form = NewTokenForm(memberships=memberships)
    context = {
        "form": form,
        "memberships": memberships,
        "tokens": tokens_of(user=request.user),
        "new_secret": new_secret,
    }
    response = render(request, "access/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a secret shown once
    return response


@tester_view
@require_POST
def revoke(request, token_id):
    token = get_object_or_404(tokens_of(user=request.user), pk=token_id)
    revoke_token(token=token, reason="Revoked by its owner.", actor=request.user)
    messages.success(request, f"Token “{token.name}” is revoked. It stops working at once.")
    return redirect("tokens")
