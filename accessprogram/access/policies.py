"""Per-program anomaly policies, changed by staff (through the Django admin) and audited."""

from django.db import transaction

from accessprogram.audit.services import record

from .models import AnomalyPolicy

POLICY_FIELDS = ("enabled", "window_seconds", "max_addresses", "max_requests", "max_user_agents")


@transaction.atomic
def save_anomaly_policy(*, policy: AnomalyPolicy, changed, actor) -> AnomalyPolicy:
    """Save `policy` (new or edited) and record the fields in `changed` with old and new values."""
    creating = policy.pk is None
    before = (
        {}
        if creating
        else AnomalyPolicy.objects.select_for_update().filter(pk=policy.pk).values().first() or {}
    )
    policy.save()
    fields = [name for name in POLICY_FIELDS if name in changed or creating]
    record(
        action="anomaly_policy.created" if creating else "anomaly_policy.changed",
        target=policy,
        actor=actor,
        program=policy.program.slug,
        changes={
            name: {"old": before.get(name), "new": getattr(policy, name)}
            for name in fields
            if creating or before.get(name) != getattr(policy, name)
        },
    )
    return policy


@transaction.atomic
def delete_anomaly_policy(*, policy: AnomalyPolicy, actor) -> None:
    """Back to the ANOMALY_* settings for the program."""
    record(
        action="anomaly_policy.deleted",
        target=policy,
        actor=actor,
        program=policy.program.slug,
        was={name: getattr(policy, name) for name in POLICY_FIELDS},
    )
    policy.delete()
