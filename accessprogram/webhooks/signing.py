"""Signing secrets: made here, shown to the tester once, kept encrypted, and used to sign.

Why not a digest, as for API tokens? A token only has to be recognised when it comes back; a
signing secret has to be *used* by us on every delivery (HMAC needs the key itself), so it must
be recoverable. It is encrypted at rest (Fernet, key derived from WEBHOOK_SECRET_KEY) so that a
copy of the database alone cannot forge deliveries; the page and the API show it only once.
"""

import base64
import hashlib
import secrets
from datetime import datetime

from cryptography.fernet import Fernet
from django.conf import settings
from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def hint(secret: str) -> str:
    return secret[: len(PREFIX) + 4] + "…"


def _fernet() -> Fernet:
    # Derived, not the raw setting: the same SECRET_KEY also signs sessions, and a distinct
    # purpose string keeps the two uses apart.
    key = hashlib.sha256(b"webhook-secrets:" + settings.WEBHOOK_SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret: str) -> bytes:
    return _fernet().encrypt(secret.encode())


def decrypt(token: bytes) -> str:
    return _fernet().decrypt(bytes(token)).decode()


def signature_headers(*, secret: str, message_id: str, sent_at: datetime, body: bytes) -> dict:
    """The three Standard Webhooks headers for one request."""
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }
