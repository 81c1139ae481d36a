"""Portal pages and access blocks: a blocked tester sees why (403) instead of the content."""

from functools import wraps

from django.shortcuts import render

from .blocks import block_for_tester


class AccessBlocked(Exception):
    def __init__(self, block):
        self.block = block


def refuse_if_blocked(*, user, program_id) -> None:
    """Raise AccessBlocked when a block on the tester (or above) is in force in the program."""
    block = block_for_tester(user=user, program_id=program_id)
    if block is not None:
        raise AccessBlocked(block)


def notice_instead_of_content(view):
    """Turn AccessBlocked raised by `view` into the notice page (403)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except AccessBlocked as blocked:
            return render(request, "access/blocked.html", {"block": blocked.block}, status=403)

    return wrapper
