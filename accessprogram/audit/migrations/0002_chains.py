"""Split the single audit chain into one keyed chain per program plus a platform chain.

Existing records are not rewritten: they keep their sequence and sha256 hashes as the frozen
"legacy" chain (so they verify exactly as before), its head moves to AuditChain("legacy"), and
the platform chain's first record anchors the legacy chain's last link under AUDIT_HMAC_KEY, so
rewriting the legacy records and re-hashing them afterwards shows too.
"""

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError
from django.utils import timezone

LEGACY, PLATFORM = "legacy", "platform"
ANCHOR_ACTION = "audit.legacy_chain_anchored"
GENESIS = "0" * 64


def split_chains(apps, schema_editor):
    from accessprogram.audit.hashing import head_mac, link_hash, seal_of

    AuditRecord = apps.get_model("audit", "AuditRecord")
    AuditChain = apps.get_model("audit", "AuditChain")
    OldHead = apps.get_model("audit", "AuditChainHead")
    last = (
        AuditRecord.objects.filter(chain=LEGACY)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    if last is None:
        return  # a new installation: nothing to carry over
    old_head = OldHead.objects.filter(pk=1).values_list("sequence", "hash").first()
    # The head as it stood (verify compares it with the records); the last record if it was gone.
    sequence, hash_ = old_head or last
    AuditChain.objects.create(
        key=LEGACY, sequence=sequence, hash=hash_, mac=head_mac(chain=LEGACY, sequence=sequence, hash_=hash_)
    )
    anchor = AuditRecord(
        chain=PLATFORM,
        occurred_at=timezone.now(),
        actor_id=None,
        action=ANCHOR_ACTION,
        target_type="audit.auditchain",
        target_id=LEGACY,
        data={"sequence": sequence, "hash": hash_, "records": AuditRecord.objects.count()},
    )
    anchor.seal = seal_of(anchor)
    anchor.sequence, anchor.prev_hash = 1, GENESIS
    anchor.hash = link_hash(chain=PLATFORM, sequence=1, seal=anchor.seal, prev_hash=GENESIS)
    anchor.save(force_insert=True)
    AuditChain.objects.create(
        key=PLATFORM, sequence=1, hash=anchor.hash, mac=head_mac(chain=PLATFORM, sequence=1, hash_=anchor.hash)
    )


def join_chains(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    AuditChain = apps.get_model("audit", "AuditChain")
    OldHead = apps.get_model("audit", "AuditChainHead")
    later = AuditRecord.objects.exclude(chain=LEGACY).exclude(action=ANCHOR_ACTION)
    if later.exists():
        raise IrreversibleError(
            "Records were written to per-program chains; the single chain cannot hold them."
        )
    AuditRecord.objects.filter(action=ANCHOR_ACTION, chain=PLATFORM).delete()
    legacy = AuditChain.objects.filter(key=LEGACY).first()
    if legacy is not None:
        OldHead.objects.create(id=1, sequence=legacy.sequence, hash=legacy.hash)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [
        migrations.RemoveConstraint(
            model_name="auditrecord", name="audit_record_sequence_positive"
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="sequence",
            field=models.PositiveBigIntegerField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="chain",
            field=models.CharField(default=LEGACY, editable=False, max_length=100),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="seal",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="prev_hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="hash",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AlterModelOptions(name="auditrecord", options={"ordering": ["-id"]}),
        migrations.AddIndex(
            model_name="auditrecord",
            index=models.Index(
                condition=models.Q(sequence__isnull=True),
                fields=["chain", "id"],
                name="audit_record_pending",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditrecord",
            constraint=models.CheckConstraint(
                condition=models.Q(sequence__isnull=True) | models.Q(sequence__gte=1),
                name="audit_record_sequence_positive",
            ),
        ),
        migrations.AddConstraint(
            model_name="auditrecord",
            constraint=models.UniqueConstraint(
                fields=["chain", "sequence"], name="audit_record_chain_link"
            ),
        ),
        migrations.CreateModel(
            name="AuditChain",
            fields=[
                ("key", models.CharField(max_length=100, primary_key=True, serialize=False)),
                ("sequence", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS, max_length=64)),
                ("mac", models.CharField(blank=True, max_length=64)),
            ],
        ),
        migrations.RunPython(split_chains, join_chains),
        migrations.DeleteModel(name="AuditChainHead"),
    ]
