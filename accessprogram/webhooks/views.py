"""The tester's webhook pages: endpoints (register, secret shown once, delete) and each
endpoint's delivery log with redelivery. Testers see only their own endpoints (others: 404)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from accessprogram.access.selectors import usable_tester_memberships
from accessprogram.programs.view_access import tester_view

from . import deliveries, endpoints, selectors
from .forms import NewEndpointForm


def _go_to(request, url: str):
    """After a confirmed (htmx) action, the browser loads the page itself, with its messages."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _own_endpoint(request, endpoint_id: str):
    endpoint = selectors.endpoints_of(user=request.user).filter(public_id=endpoint_id).first()
    if endpoint is None:
        raise Http404("No such webhook endpoint.")
    return endpoint


@tester_view
@require_http_methods(["GET", "POST"])
def endpoint_list(request):
    memberships = usable_tester_memberships(user=request.user)
    form = NewEndpointForm(request.POST or None, memberships=memberships)
    new_secret = None
    if request.method == "POST" and memberships and form.is_valid():
        try:
            created = endpoints.create_endpoint(
                membership=form.cleaned_data["membership"],
                url=form.cleaned_data["url"],
                description=form.cleaned_data["description"],
                event_types=form.cleaned_data["event_types"],
                actor=request.user,
            )
        except endpoints.EndpointError as refused:
            form.add_error("url" if refused.param == "url" else None, str(refused))
        else:
            new_secret = created.secret
            form = NewEndpointForm(memberships=memberships)
    context = {
        "form": form,
        "memberships": memberships,
        "endpoints": selectors.endpoints_of(user=request.user),
        "new_secret": new_secret,
    }
    status = 400 if form.errors else 200
    response = render(request, "webhooks/endpoints.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page may hold a secret shown once
    return response


@tester_view
def endpoint_detail(request, endpoint_id):
    endpoint = _own_endpoint(request, endpoint_id)
    context = {"endpoint": endpoint, "deliveries": selectors.deliveries_of(endpoint=endpoint)}
    return render(request, "webhooks/endpoint.html", context)


@tester_view
@require_POST
def endpoint_delete(request, endpoint_id):
    endpoint = _own_endpoint(request, endpoint_id)
    endpoints.delete_endpoint(endpoint=endpoint, actor=request.user)
    messages.success(request, f"Endpoint {endpoint.url} is deleted; nothing more is sent to it.")
    return _go_to(request, reverse("webhooks:endpoints"))


@tester_view
@require_POST
def redeliver(request, delivery_id):
    delivery = selectors.delivery_of_user(user=request.user, delivery_id=delivery_id)
    if delivery is None:
        raise Http404("No such delivery.")
    try:
        deliveries.redeliver(delivery=delivery, actor=request.user)
    except deliveries.RedeliveryRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, f"Delivery {delivery.message_id} is queued again.")
    return _go_to(request, reverse("webhooks:endpoint", args=[delivery.endpoint.public_id]))
