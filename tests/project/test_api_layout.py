"""One API layout: every /v1/ view answers errors in OpenAI's shape, and every view a tester token
calls derives from the one base view (access.api.views.TokenApiView), so authentication, the
four block levels, scopes and networks are checked the same way everywhere."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from accessprogram.access.api.errors import openai_exception_handler
from accessprogram.access.api.views import TokenApiView
from accessprogram.access.authentication import ApiTokenAuthentication


def _v1_views(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _v1_views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and prefix.startswith("v1/"):
            yield prefix + str(entry.pattern), entry.callback.view_class


V1_VIEWS = [pytest.param(view, id=route) for route, view in _v1_views(get_resolver().url_patterns)]


def test_the_api_has_its_endpoints():
    names = {param.values[0].__name__ for param in V1_VIEWS}
    assert {"VideoListCreateView", "VideoFeedbackView", "LeakedTokensView"} <= names


@pytest.mark.parametrize("view", V1_VIEWS)
def test_every_v1_view_answers_errors_in_openais_shape(view):
    assert view().get_exception_handler() is openai_exception_handler


@pytest.mark.parametrize("view", V1_VIEWS)
def test_every_token_view_derives_from_the_one_base_view(view):
    if ApiTokenAuthentication in view.authentication_classes:
        assert issubclass(view, TokenApiView)
