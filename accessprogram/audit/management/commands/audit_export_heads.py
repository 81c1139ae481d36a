from django.core.management.base import BaseCommand, CommandError

from accessprogram.audit.head_export import export_heads


class Command(BaseCommand):
    help = (
        "Append every audit chain's head, signed, to today's file in AUDIT_HEAD_EXPORT_DIR "
        "(beat does this every AUDIT_HEAD_EXPORT_SECONDS); exit status 1 names each chain "
        "held at its previous export because the table no longer matches it."
    )

    def handle(self, *args, **options):
        run = export_heads()
        self.stdout.write(f"Exported {len(run.heads)} chain heads to {run.file}.")
        if run.held:
            raise CommandError(
                "\n".join(
                    f"Audit chain {head.chain} held at exported record {head.sequence}: {head.held}"
                    for head in run.held
                ),
                returncode=1,
            )
