"""Parsing and checking amounts: Decimal with at most two places, never float."""

from decimal import Decimal, InvalidOperation

from .models import Currency

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")  # what Decimal(12, 2) holds


def from_cents(cents: int) -> Decimal:
    """Whole cents (what the database sums, exactly; see bulk.py) back to an amount."""
    return (Decimal(cents) / 100).quantize(CENT)


class CompensationError(Exception):
    """Bad input for a compensation step; the message is shown to the person as it is."""


def to_money(value, *, what: str = "amount", allow_zero: bool = True) -> Decimal:
    """`value` (Decimal, int or numeric string) as a non-negative Decimal with two places."""
    if isinstance(value, bool | float):
        raise CompensationError(f"The {what} must be a Decimal, not {type(value).__name__}.")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, TypeError, ValueError):
        raise CompensationError(f"The {what} {value!r} is not a number.") from None
    if not amount.is_finite():
        raise CompensationError(f"The {what} must be a finite number.")
    if amount < 0:
        raise CompensationError(f"The {what} cannot be negative ({amount}).")
    if amount > MAX_AMOUNT:
        raise CompensationError(f"The {what} {amount} is too large (at most {MAX_AMOUNT}).")
    if amount != amount.quantize(CENT, rounding="ROUND_DOWN"):
        raise CompensationError(f"The {what} {amount} has more than two decimal places.")
    if amount == 0 and not allow_zero:
        raise CompensationError(f"The {what} must be more than zero.")
    return amount.quantize(CENT)


def to_currency(value) -> str:
    code = str(value or "").strip().upper()
    if code not in Currency.values:
        allowed = ", ".join(Currency.values)
        raise CompensationError(f"Unknown currency {value!r}; use one of {allowed}.")
    return code
