from accessprogram.programs.models import Program

from .models import BackgroundOperation


def latest_operation(*, kind: str, program: Program, subject: str) -> BackgroundOperation | None:
    """The most recent operation of this kind on this subject, live or finished."""
    return (
        BackgroundOperation.objects.filter(kind=kind, program=program, subject=subject)
        .order_by("-created_at", "-id")
        .first()
    )
