from django.urls import path

from .leaked_tokens import LeakedTokensView

urlpatterns = [
    path("leaked-tokens", LeakedTokensView.as_view(), name="leaked-tokens"),
]
