from django.conf import settings
from django.db import models
from django.utils import timezone

GENESIS_HASH = "0" * 64


class AppendOnlyError(Exception):
    """Raised on any attempt to change or remove audit records through the ORM."""


class AuditRecordQuerySet(models.QuerySet):
    """Bulk writes would bypass the chain; the ORM refuses them outright."""

    def update(self, **kwargs):
        raise AppendOnlyError("Audit records are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError("Audit records are append-only: they cannot be deleted.")

    def bulk_create(self, *args, **kwargs):
        raise AppendOnlyError("Append audit records one at a time with audit.services.record().")

    def bulk_update(self, *args, **kwargs):
        raise AppendOnlyError("Audit records are append-only: they cannot be updated.")

    # update_or_create and friends end in update() or save() and fail there.


# Chain keys. Each program has its own chain, events tied to no program share the platform chain,
# and the records written before chains were split keep their original single chain, frozen.
PLATFORM_CHAIN = "platform"
LEGACY_CHAIN = "legacy"
PROGRAM_CHAIN_PREFIX = "program:"


# The platform chain's record that fixes the legacy chain's last link under the key.
LEGACY_ANCHOR_ACTION = "audit.legacy_chain_anchored"


def chain_for(program_slug) -> str:
    """The chain of a record about `program_slug` (a program's slug, or None)."""
    if isinstance(program_slug, str) and 0 < len(program_slug) <= 90:
        return f"{PROGRAM_CHAIN_PREFIX}{program_slug}"
    return PLATFORM_CHAIN


class AuditRecord(models.Model):
    """One state change. Rows are inserted, then linked once into their chain (see audit.chain).

    Written inside the business transaction with a `seal` (HMAC over its contents and chain) but
    no place in the chain yet (`sequence` empty: pending). Right after commit a short transaction
    gives it the next `sequence` of its chain, `prev_hash` and `hash`. Editing, deleting, inserting
    or reordering rows then breaks the chain where it happened (audit.verify finds it).
    """

    chain = models.CharField(max_length=100, editable=False)
    sequence = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    # No database constraint and no SET_NULL: the trail outlives the people in it, and deleting a
    # user must neither be blocked by nor rewrite (and so break) the hashed history.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)
    seal = models.CharField(max_length=64, blank=True, editable=False)  # empty on legacy records
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, blank=True, editable=False)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # What the linker looks for right after each commit: this chain's pending records.
            models.Index(
                fields=["chain", "id"],
                condition=models.Q(sequence__isnull=True),
                name="audit_record_pending",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sequence__isnull=True) | models.Q(sequence__gte=1),
                name="audit_record_sequence_positive",
            ),
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_record_chain_link"),
        ]

    def __str__(self):
        place = f"#{self.sequence}" if self.sequence else "(pending)"
        return (
            f"{self.chain} {place} {self.occurred_at:%Y-%m-%d %H:%M} {self.action} "
            f"{self.target_type}:{self.target_id}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit records are append-only.")
        if not self.seal:
            raise AppendOnlyError("Append audit records with audit.services.record().")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit records are append-only: they cannot be deleted.")


class AuditChain(models.Model):
    """One row per chain, naming its last link.

    Linking locks it (select_for_update) for the few statements that number and hash the pending
    records, never for a business transaction. It also lets verify notice records cut off the
    end of a chain, which leaves no broken link behind.
    """

    key = models.CharField(max_length=100, primary_key=True)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)
    # HMAC over key, sequence and hash: winding the head back to hide records cut off the end
    # needs the key (audit.hashing.head_mac).
    mac = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"{self.key} head #{self.sequence} {self.hash[:12]}"
