from django.core.management.base import BaseCommand, CommandError

from accessprogram.audit.chain import link_all_pending
from accessprogram.audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Check every audit chain (one per program, the platform's and the legacy one), then "
        "compare each with the latest head export in AUDIT_HEAD_EXPORT_DIR; exit status 1 "
        "names the first broken link of each broken chain and each bad export line."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Records read per database round trip."
        )
        parser.add_argument(
            "--chain",
            action="append",
            dest="chains",
            metavar="KEY",
            help="Check only this chain (e.g. platform, program:<slug>); may be repeated.",
        )
        parser.add_argument(
            "--link-pending",
            action="store_true",
            help="First link records left pending by an interrupted process (a write).",
        )

    def handle(self, *args, chunk_size, chains, link_pending, **options):
        if link_pending:
            self.stdout.write(f"Linked {link_all_pending()} pending records.")
        result = verify_chain(chunk_size=chunk_size, chains=chains)
        if not result.ok:
            # CommandError: exit status 1 on the command line, an exception under call_command.
            raise CommandError(result.message, returncode=1)
        self.stdout.write(self.style.SUCCESS(result.message))
