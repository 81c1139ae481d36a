"""CSV cells that a spreadsheet opens as text, never as a formula (CSV injection)."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """`value` as text; a leading = + - @ tab or CR would make a formula, so it is quoted."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text
