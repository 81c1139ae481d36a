"""Webhook settings (read by accessprogram.settings; kept apart to keep that module short)."""


def webhook_settings(env, *, secret_key: str, beat: dict) -> dict:
    return {
        # Encrypts the stored signing secrets (webhooks.signing); defaults to SECRET_KEY.
        "WEBHOOK_SECRET_KEY": env("WEBHOOK_SECRET_KEY", default=secret_key),
        # Networks deliveries may reach although not public (private, loopback, link-local…):
        # none by default. Local development and tests name 127.0.0.1/32 or their own LAN here.
        "WEBHOOK_ALLOWED_NETWORKS": env.list("WEBHOOK_ALLOWED_NETWORKS", default=[]),
        "WEBHOOK_TIMEOUT_SECONDS": env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0),
        # Attempts per round (a redelivery starts a new one); waits double from the base.
        "WEBHOOK_MAX_ATTEMPTS": env.int("WEBHOOK_MAX_ATTEMPTS", default=8),
        "WEBHOOK_RETRY_BASE_SECONDS": env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30),
        "WEBHOOK_RETRY_MAX_SECONDS": env.int("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 60 * 60),
        "WEBHOOK_MAX_ENDPOINTS": env.int("WEBHOOK_MAX_ENDPOINTS", default=10),
        # A due delivery still waiting this long had its task lost: the sweep queues it again.
        "WEBHOOK_STALLED_AFTER_SECONDS": env.int("WEBHOOK_STALLED_AFTER_SECONDS", default=120),
        "CELERY_BEAT_SCHEDULE": {
            **beat,
            "resume-stalled-webhooks": {
                "task": "webhooks.resume_stalled",
                "schedule": env.float("WEBHOOK_SWEEP_SECONDS", default=60.0),
                "options": {"expires": 60},
            },
        },
    }
