"""Least privilege for API tokens: permission scopes and allowed client networks.

A token carries only the scopes its owner chose when creating it (as GitHub fine-grained tokens
and OpenAI restricted keys do) and, optionally, the client networks it may be used from. A leaked
read-only token cannot create videos; a token bound to an office network is useless elsewhere.
Views declare the scope each HTTP method needs (`token_scopes`); TokenScopePermission enforces it.
"""

import ipaddress

from django.core.exceptions import ValidationError
from django.db import models
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import BasePermission

from .api.errors import ExposesCode


class Scope(models.TextChoices):
    VIDEOS_READ = "videos:read", "Read videos: list, retrieve and download your videos"
    VIDEOS_WRITE = "videos:write", "Create videos (and remix, edit, extend) and delete them"
    FEEDBACK_WRITE = "feedback:write", "Rate videos and leave feedback"
    WEBHOOKS_WRITE = "webhooks:write", "Register webhook endpoints and read their deliveries"


ALL_SCOPES = [scope.value for scope in Scope]
MAX_NETWORKS = 20


def all_scopes() -> list[str]:
    """Default for tokens made before scopes existed, and for the command line."""
    return list(ALL_SCOPES)


def parse_networks(text_or_list) -> list[str]:
    """Normalised CIDR strings from one-per-line (or comma separated) text; ValidationError
    names the first entry that is not an address or network."""
    if isinstance(text_or_list, str):
        entries = text_or_list.replace(",", "\n").splitlines()
    else:
        entries = list(text_or_list)
    networks = []
    for entry in (e.strip() for e in entries):
        if not entry:
            continue
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ValidationError(
                f"“{entry}” is not an IP address or network (e.g. 203.0.113.0/24)."
            ) from None
        if str(network) not in networks:
            networks.append(str(network))
    if len(networks) > MAX_NETWORKS:
        raise ValidationError(f"At most {MAX_NETWORKS} networks per token.")
    return networks


def network_allows(networks: list[str], address: str) -> bool:
    """True when no networks are set, or the client's own address lies in one of them."""
    if not networks:
        return True
    try:
        client = ipaddress.ip_address(address)
    except ValueError:
        return False
    if client.version == 6 and client.ipv4_mapped:
        client = client.ipv4_mapped
    return any(client in ipaddress.ip_network(network) for network in networks)


class MissingScope(ExposesCode, PermissionDenied):
    """403 in OpenAI's shape with code `missing_scope`; the message names the scope."""

    default_code = "missing_scope"


class TokenScopePermission(BasePermission):
    """The request's token holds the scope its view declares for the HTTP method.

    A view without a declaration for the method is refused: forgetting one fails closed.
    """

    def has_permission(self, request, view):
        token = request.auth
        declared = getattr(view, "token_scopes", {})
        needed = declared.get(request.method) or (
            declared.get("GET") if request.method == "HEAD" else None
        )
        if token is None or needed is None:
            raise MissingScope("This endpoint is not available to API tokens.")
        if needed not in token.scopes:
            raise MissingScope(
                f"This API token does not have the '{needed}' permission "
                f"({Scope(needed).label}). Create a token with it on your API tokens page."
            )
        return True
