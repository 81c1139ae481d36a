"""Rate cards, the append-only money ledger and time logs.

Money is Decimal(12, 2) with a currency code; the database checks signs and currencies too.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from accessprogram.programs.models import Membership, Program

MONEY = {"max_digits": 12, "decimal_places": 2}


class Currency(models.TextChoices):
    USD = "USD", "US dollar"
    EUR = "EUR", "Euro"
    GBP = "GBP", "Pound sterling"


class Severity(models.TextChoices):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


RATE_FIELDS = (
    "per_form_completed",
    "per_bug_low",
    "per_bug_medium",
    "per_bug_high",
    "per_bug_critical",
    "per_hour",
    "monthly_stipend",
    "licence_fee",
)


class RateCard(models.Model):
    """One published version of a program's rates. New versions are added, old ones kept."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="rate_cards")
    version = models.PositiveIntegerField()
    effective_from = models.DateTimeField()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    per_form_completed = models.DecimalField(**MONEY, default=0)
    per_bug_low = models.DecimalField(**MONEY, default=0)
    per_bug_medium = models.DecimalField(**MONEY, default=0)
    per_bug_high = models.DecimalField(**MONEY, default=0)
    per_bug_critical = models.DecimalField(**MONEY, default=0)
    per_hour = models.DecimalField(**MONEY, default=0)
    monthly_stipend = models.DecimalField(**MONEY, default=0)
    licence_fee = models.DecimalField(
        **MONEY, default=0, help_text="Paid when the organisers use a tester's output."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["program", "-version"]
        indexes = [models.Index(fields=["program", "effective_from"])]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "version"], name="rate_card_version_unique_in_program"
            ),
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="rate_card_version_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values), name="rate_card_currency_known"
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{field}__gte": 0}),
                    name=f"rate_card_{field}_not_negative",
                )
                for field in RATE_FIELDS
            ),
        ]

    def __str__(self):
        return f"{self.program} rates v{self.version} ({self.currency})"

    def per_bug(self, severity: str):
        return getattr(self, f"per_bug_{Severity(severity).value}")


# Kinds that add money (awards, top-ups); reversals and payouts take it away.
POSITIVE_KIND_VALUES = [
    "award_form",
    "award_bug",
    "award_hours",
    "stipend",
    "licence_fee",
    "minimum_top_up",
]


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove ledger entries through the ORM."""


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Ledger entries are append-only: correct them with a reversal.")

    def delete(self):
        raise AppendOnlyError("Ledger entries are append-only: correct them with a reversal.")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are append-only: correct them with a reversal.")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("Write ledger entries one at a time through compensation.ledger.")


class LedgerEntry(models.Model):
    """One movement of money for one tester. Rows are only ever inserted.

    Awards are positive; reversals and payouts negative. A tester's balance in a currency is the
    sum of their entries in it.
    """

    class Kind(models.TextChoices):
        AWARD_FORM = "award_form", "Form completed"
        AWARD_BUG = "award_bug", "Bug confirmed"
        AWARD_HOURS = "award_hours", "Approved hours"
        STIPEND = "stipend", "Monthly stipend"
        LICENCE_FEE = "licence_fee", "Licence fee"
        MINIMUM_TOP_UP = "minimum_top_up", "Minimum hourly rate top-up"
        REVERSAL = "reversal", "Reversal"
        PAYOUT = "payout", "Payout"

    POSITIVE_KINDS = (
        Kind.AWARD_FORM,
        Kind.AWARD_BUG,
        Kind.AWARD_HOURS,
        Kind.STIPEND,
        Kind.LICENCE_FEE,
        Kind.MINIMUM_TOP_UP,
    )

    membership = models.ForeignKey(
        Membership, on_delete=models.PROTECT, related_name="ledger_entries"
    )
    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="ledger_entries")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, choices=Currency.choices)
    idempotency_key = models.CharField(max_length=200, unique=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text="The entry this one cancels; an entry is reversed at most once.",
    )
    memo = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The dates a periodic award pays for: a stipend's month, a top-up's payout period. Stored,
    # not parsed out of the key, so a close finds them by index and a re-run writes nothing.
    pays_from = models.DateField(null=True, blank=True)
    pays_until = models.DateField(null=True, blank=True)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "ledger entries"
        indexes = [
            models.Index(fields=["membership", "currency", "created_at"]),
            models.Index(fields=["program", "created_at"]),
            models.Index(fields=["program", "kind", "pays_from"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values), name="ledger_currency_known"
            ),
            models.UniqueConstraint(
                fields=["membership", "kind", "pays_from", "pays_until"],
                condition=models.Q(pays_from__isnull=False),
                name="ledger_one_periodic_award_per_tester",
            ),
            models.CheckConstraint(
                condition=models.Q(pays_from__isnull=True, pays_until__isnull=True)
                | models.Q(
                    kind__in=["stipend", "minimum_top_up"],
                    pays_from__isnull=False,
                    pays_until__gte=models.F("pays_from"),
                ),
                name="ledger_pays_for_dates_of_periodic_awards",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=POSITIVE_KIND_VALUES, amount__gt=0)
                    | models.Q(kind__in=["reversal", "payout"], amount__lt=0)
                ),
                name="ledger_amount_sign_matches_kind",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="reversal", reverses__isnull=False)
                    | (~models.Q(kind="reversal") & models.Q(reverses__isnull=True))
                ),
                name="ledger_reversal_names_its_entry",
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError("Ledger entries are append-only: correct them with a reversal.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries are append-only: correct them with a reversal.")


class TimeLog(models.Model):
    """A testing session a tester reports; staff approve or reject it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        APPROVED = "approved"
        REJECTED = "rejected"

    MAX_MINUTES = 24 * 60

    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="time_logs")
    started_at = models.DateTimeField()
    minutes = models.PositiveIntegerField()
    description = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["status", "started_at"]),
            models.Index(fields=["membership", "status", "decided_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=24 * 60),
                name="time_log_minutes_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(status="pending", decided_at__isnull=True)
                | (~models.Q(status="pending") & models.Q(decided_at__isnull=False)),
                name="time_log_decided_when_not_pending",
            ),
        ]

    def __str__(self):
        return f"{self.membership} {self.minutes} min on {self.started_at:%Y-%m-%d}"


class PayoutPeriod(models.Model):
    """Dates (both included, UTC) whose earnings are paid out together. Periods never overlap."""

    class Status(models.TextChoices):
        OPEN = "open"
        CLOSED = "closed"

    program = models.ForeignKey(Program, on_delete=models.PROTECT, related_name="payout_periods")
    start = models.DateField()
    end = models.DateField()
    minimum_hourly_rate = models.DecimalField(
        **MONEY, default=0, help_text="Guaranteed pay per approved hour; 0 for no guarantee."
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["program", "-start"]
        indexes = [models.Index(fields=["program", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="payout_period_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(minimum_hourly_rate__gte=0),
                name="payout_period_minimum_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", closed_at__isnull=True)
                | models.Q(status="closed", closed_at__isnull=False),
                name="payout_period_closed_when_closed_at",
            ),
            models.UniqueConstraint(
                fields=["program", "start"], name="payout_period_start_unique_in_program"
            ),
        ]

    def __str__(self):
        return f"{self.program} {self.start} to {self.end} ({self.status})"

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class PayoutBatch(models.Model):
    """What a period's close froze for payment: one line per tester and currency."""

    period = models.OneToOneField(PayoutPeriod, on_delete=models.PROTECT, related_name="batch")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "payout batches"

    def __str__(self):
        return f"Batch of {self.period}"


class Payout(models.Model):
    """One line of a batch: what one tester is owed in one currency, and whether it was paid."""

    class Status(models.TextChoices):
        PENDING = "pending"
        PAID = "paid"
        FAILED = "failed"

    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="lines")
    membership = models.ForeignKey(Membership, on_delete=models.PROTECT, related_name="payouts")
    currency = models.CharField(max_length=3, choices=Currency.choices)
    amount = models.DecimalField(**MONEY)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    provider_reference = models.CharField(max_length=200, blank=True)
    failure_reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["batch", "membership_id", "currency"]
        indexes = [models.Index(fields=["membership", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "membership", "currency"], name="payout_line_unique_in_batch"
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payout_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(currency__in=Currency.values), name="payout_currency_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(status="failed", failure_reason=""),
                name="payout_failure_has_reason",
            ),
        ]

    def __str__(self):
        return f"Payout #{self.pk} {self.amount} {self.currency} ({self.status})"

    @property
    def reference(self) -> str:
        """What the payment provider is told, and reports back: names the line exactly."""
        return f"EAP-{self.batch.period.program_id}-{self.batch.period_id}-{self.pk}"


class PayoutItem(models.Model):
    """A ledger entry frozen into a payout line. An entry goes into one line at most."""

    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="items")
    entry = models.OneToOneField(LedgerEntry, on_delete=models.PROTECT, related_name="payout_item")

    class Meta:
        ordering = ["entry_id"]

    def __str__(self):
        return f"{self.entry} in {self.payout}"
