from django.urls import path

from . import api

urlpatterns = [
    path("leaked-tokens", api.LeakedTokensView.as_view(), name="leaked-tokens"),
]
