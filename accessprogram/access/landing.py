"""Where sign-in leads (LOGIN_REDIRECT_URL): the page of the user's role (policy.landing_page).

A staff view: anyone signed in may call it (testers pass through staff_view), and staff without
a second factor are sent to set it up first, as every page they could land on would. It only
picks a redirect; each landing page makes its own decision. A `next` the sign-in carried still
wins: allauth only comes here without one."""

from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from . import policy
from .staff_views import staff_view


@staff_view
@require_GET
def after_sign_in(request):
    return redirect(policy.landing_page(request.user))
