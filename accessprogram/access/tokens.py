"""Token strings: `eap_` + 30 random base62 characters + a 6-character CRC32 checksum.

The fixed prefix lets secret scanners recognise a platform token; the checksum lets them (and
us) reject typos and random look-alikes without a database lookup, as GitHub's tokens do.
"""

import hashlib
import secrets
import string
import zlib

PREFIX = "eap_"
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
TOKEN_LENGTH = len(PREFIX) + RANDOM_LENGTH + CHECKSUM_LENGTH
ALPHABET = string.digits + string.ascii_uppercase + string.ascii_lowercase
DISPLAY_LENGTH = len(PREFIX) + 8  # what pages show so a tester can tell tokens apart


def _base62(number: int, width: int) -> str:
    digits = []
    while number:
        number, remainder = divmod(number, 62)
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits)).rjust(width, "0")


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode()), CHECKSUM_LENGTH)


def generate() -> str:
    body = PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return body + _checksum(body)


def is_well_formed(candidate: str) -> bool:
    """True when `candidate` has the token shape and a valid checksum."""
    if len(candidate) != TOKEN_LENGTH or not candidate.startswith(PREFIX):
        return False
    rest = candidate[len(PREFIX) :]
    if any(char not in ALPHABET for char in rest):
        return False
    body, checksum = candidate[:-CHECKSUM_LENGTH], candidate[-CHECKSUM_LENGTH:]
    return secrets.compare_digest(_checksum(body), checksum)


def digest(token: str) -> str:
    """What we store. Tokens carry 178 random bits, so a fast hash is safe here."""
    return hashlib.sha256(token.encode()).hexdigest()


def display_prefix(token: str) -> str:
    return token[:DISPLAY_LENGTH]
