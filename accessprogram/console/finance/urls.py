"""Finance console: rate cards, time logs, stipends, period close, payout batches, ledger."""

from django.urls import path

from . import ledger_views, operations, views

P = "<slug:slug>/"

urlpatterns = [
    path("", views.finance_home, name="finance"),
    path(P, views.program_finance, name="finance-program"),
    path(P + "rate-cards/", views.rate_cards, name="finance-rate-cards"),
    path(P + "time-logs/", views.time_logs, name="finance-time-logs"),
    path(
        P + "time-logs/<int:time_log_id>/<str:decision>",
        views.time_log_decide,
        name="finance-time-log-decide",
    ),
    path(P + "periods/", views.periods, name="finance-periods"),
    path(P + "periods/<int:period_id>/", views.period_page, name="finance-period"),
    path(P + "periods/<int:period_id>/close", operations.period_close, name="finance-period-close"),
    path(P + "periods/<int:period_id>/payouts.csv", views.period_csv, name="finance-period-csv"),
    path(
        P + "periods/<int:period_id>/statements/<int:membership_id>/",
        views.statement,
        name="finance-statement",
    ),
    path(
        P + "periods/<int:period_id>/statements/<int:membership_id>/csv",
        views.statement_csv,
        name="finance-statement-csv",
    ),
    path(P + "payouts/<int:line_id>/<str:decision>", views.payout_decide, name="finance-payout"),
    path(P + "ledger/", ledger_views.ledger, name="finance-ledger"),
    path(P + "ledger/<int:entry_id>/reverse", ledger_views.ledger_reverse, name="finance-reverse"),
]
