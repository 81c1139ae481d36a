from django.core.management.base import BaseCommand, CommandError

from accessprogram.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Check the audit log's hash chain; exit status 1 names the first broken link."

    def add_arguments(self, parser):
        parser.add_argument(
            "--chunk-size", type=int, default=2000, help="Records read per database round trip."
        )

    def handle(self, *args, chunk_size, **options):
        result = verify_chain(chunk_size=chunk_size)
        if not result.ok:
            # CommandError: exit status 1 on the command line, an exception under call_command.
            raise CommandError(result.message, returncode=1)
        self.stdout.write(self.style.SUCCESS(result.message))
