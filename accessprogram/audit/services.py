from django.db import models

from .chain import append
from .models import AuditRecord, chain_for

# Where the program of a target is found: on it, or one relation away. Read by duck typing, so
# the audit layer imports nothing above it.
_PROGRAM_HOLDERS = ("membership", "generation", "share_request", "token")


def _program_slug(target) -> str | None:
    if target._meta.label_lower == "programs.program":
        return target.slug
    program = getattr(target, "program", None)
    if program is not None and hasattr(program, "slug"):
        return program.slug
    for name in _PROGRAM_HOLDERS:
        holder = getattr(target, name, None)
        program = getattr(holder, "program", None)
        if program is not None and hasattr(program, "slug"):
            return program.slug
    return None


def record(
    *, action: str, target: models.Model, actor=None, link_queue: str | None = None, **data
) -> AuditRecord:
    """Append one audit record describing `action` on `target`.

    The record names the target's program (unless the caller did, with program=<slug>): that
    scopes the console's audit log to each program's managers and picks the chain the record
    joins (the program's own, or the platform chain for records tied to no program).

    Joins the caller's transaction and rolls back with it. It takes no lock: the record is
    linked into its chain by a short transaction right after commit (see audit.chain), so a
    long audited transaction never holds up another one, a revocation least of all. With
    `link_queue` even that link is left to a task on the named Celery queue (see audit.chain).
    """
    if "program" not in data and (slug := _program_slug(target)):
        data["program"] = slug
    return append(
        chain=chain_for(data.get("program")),
        action=action,
        actor=actor,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data,
        link_queue=link_queue,
    )
