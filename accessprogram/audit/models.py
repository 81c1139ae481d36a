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


class AuditRecord(models.Model):
    """One state change, one link in a hash chain (see audit.chain). Rows are only inserted.

    `hash` covers this row's fields and `prev_hash`, the hash of the record before it, so editing,
    deleting or reordering rows breaks the chain where it happened (audit.verify finds it).
    """

    sequence = models.PositiveBigIntegerField(unique=True, editable=False)
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
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditRecordQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sequence__gte=1), name="audit_record_sequence_positive"
            ),
        ]

    def __str__(self):
        return (
            f"#{self.sequence} {self.occurred_at:%Y-%m-%d %H:%M} {self.action} "
            f"{self.target_type}:{self.target_id}"
        )

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit records are append-only.")
        if not self.hash:
            raise AppendOnlyError("Append audit records with audit.services.record().")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit records are append-only: they cannot be deleted.")


class AuditChainHead(models.Model):
    """The single row naming the chain's last link.

    Appends lock it (select_for_update) so they take turns, and it lets verify notice records
    cut off the end of the chain, which leaves no broken link behind.
    """

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID)
    sequence = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="audit_chain_head_singleton"),
        ]

    def __str__(self):
        return f"head #{self.sequence} {self.hash[:12]}"
