"""Signing a staff member in through the real forms, second factor included."""

import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

from factories import PASSWORD as FACTORY_PASSWORD

TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def landed(url: str) -> bool:
    """Past the sign-in forms and the role-aware redirect (/welcome): on the role's landing page."""
    return "/accounts/" not in url and not url.rstrip("/").endswith("/welcome")


def sign_in_with_totp(page, base_url, user):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", FACTORY_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    if time.time() % 30 > 25:  # a code about to expire could reach the server too late
        time.sleep(30 - time.time() % 30 + 0.5)
    page.fill("#id_code", format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30)))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(landed)
