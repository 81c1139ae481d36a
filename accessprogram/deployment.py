"""What a production process must be configured with before it may start (settings.py's guard).

DEPLOYMENT defaults to "production", so a forgotten variable fails closed: the process refuses to
start instead of running on the public development secrets. `DEPLOYMENT=development` (set by
`make run`, `make test`, pytest and the benches) is the only mode that accepts the development
defaults, the console email backend and a cache without Redis.

Plain functions of the configured values, so settings.py stays declarative and the rules can be
tested without starting Django.
"""

import ipaddress
from urllib.parse import urlsplit

DEVELOPMENT = "development"
PRODUCTION = "production"
MODES = (DEVELOPMENT, PRODUCTION)

# settings.py's development defaults all start with this; a value that does is no secret.
DEVELOPMENT_VALUE_PREFIX = "dev-"
# Backends that accept a message and deliver it to nobody.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def production_problems(
    *,
    debug: bool,
    secrets: dict[str, str],
    explicitly_set: set[str],
    email_backend: str,
    engine_url: str,
) -> list[str]:
    """One line per refusal, each naming the variable to set; empty when production may start.

    `secrets` maps each secret's variable name to its value; `explicitly_set` holds the names of
    the variables present in the environment (those whose default is only good for development).
    """
    problems = []
    if debug:
        problems.append("DEBUG is on: unset DEBUG (a development run sets DEPLOYMENT=development).")
    for name, value in secrets.items():
        if value.startswith(DEVELOPMENT_VALUE_PREFIX):
            problems.append(
                f"{name} is the public development value: set {name} to a long random secret."
            )
    # Renditions must be signed with a real certificate, not the generated development one.
    for name in ("C2PA_CERT_CHAIN_PATH", "C2PA_PRIVATE_KEY_PATH"):
        if name not in explicitly_set:
            problems.append(f"{name} is unset: set it to the production C2PA signing files.")
    if "PORTAL_URL" not in explicitly_set:
        problems.append(
            "PORTAL_URL is unset: set it to the portal's public address "
            "(invitation and notification links point there)."
        )
    if "AUDIT_HEAD_EXPORT_DIR" not in explicitly_set:
        problems.append(
            "AUDIT_HEAD_EXPORT_DIR is unset: set it to storage outside the database (an "
            "append-only or object-locked mount); audit chain heads are exported there so that "
            "a rewritten audit table is detected."
        )
    if "REDIS_URL" not in explicitly_set:
        problems.append(
            "REDIS_URL is unset: set it to a Redis server; login throttles and token anomaly "
            "counts must be shared by every web process on every host."
        )
    if email_backend in UNDELIVERED_EMAIL_BACKENDS:
        problems.append(
            f"EMAIL_BACKEND is {email_backend}, which delivers no mail: set EMAIL_BACKEND to "
            "a sending backend (e.g. django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST)."
        )
    engine = urlsplit(engine_url)
    if engine.scheme != "https" and not is_loopback(engine.hostname or ""):
        problems.append(
            f"ENGINE_URL is {engine_url}: set ENGINE_URL to an https:// address; ENGINE_SECRET "
            "travels with every request and plain HTTP is only acceptable on this host (loopback)."
        )
    return problems


def refusal(problems: list[str]) -> str:
    """The message a misconfigured production process stops with."""
    return (
        "DEPLOYMENT is production (its default); refusing to start:\n- "
        + "\n- ".join(problems)
        + "\nFor a development run set DEPLOYMENT=development."
    )


def https_settings(env) -> dict:
    """Settings production adds: HTTPS-only cookies, HSTS, the proxy's scheme header."""
    return {
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
        "SECURE_HSTS_SECONDS": env.int("SECURE_HSTS_SECONDS", default=31536000),
        "SECURE_SSL_REDIRECT": env.bool("SECURE_SSL_REDIRECT", default=True),
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False),
        "SECURE_HSTS_PRELOAD": env.bool("SECURE_HSTS_PRELOAD", default=False),
        # Deliberately off by default, so `check --deploy` is silenced on them: HSTS for
        # subdomains and the browsers' preload list bind the whole domain (often the lab's, with
        # other sites on it) for a year or more. The operator opts in with the two variables.
        "SILENCED_SYSTEM_CHECKS": ["security.W005", "security.W021"],
    }
