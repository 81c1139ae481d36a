"""Celery beat's schedule (read by accessprogram.settings; kept apart to keep that module short)."""


def beat_schedule(env) -> dict:
    return {
        # The sweep is the source of progress: it dispatches, follows and repairs jobs.
        "advance-generations": {
            "task": "generation.tasks.advance_generations",
            "schedule": env.float("GENERATION_SWEEP_SECONDS", default=1.0),
            # A busy worker must not build a backlog of sweeps: stale ones are dropped.
            "options": {"expires": 10},
        },
        # Audit records whose process died between commit and link (normally linked at commit).
        "link-pending-audit-records": {
            "task": "audit.link_pending_records",
            "schedule": env.float("AUDIT_LINK_SWEEP_SECONDS", default=60.0),
            "options": {"expires": 60},
        },
        # Each chain's head copied outside the database, so a rewritten table shows
        # (audit.head_export).
        "export-audit-heads": {
            "task": "audit.export_heads",
            "schedule": env.float("AUDIT_HEAD_EXPORT_SECONDS", default=300.0),
            "options": {"expires": 60},
        },
        # Last month's stipends; idempotent per tester and month, so daily catches up missed days.
        "award-monthly-stipends": {
            "task": "compensation.award_monthly_stipends",
            "schedule": env.float("STIPEND_SWEEP_SECONDS", default=24 * 60 * 60.0),
            "options": {"expires": 60 * 60},
        },
    }
