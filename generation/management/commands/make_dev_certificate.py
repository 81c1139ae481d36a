"""Create the development C2PA signing chain (a dev CA and an end-entity certificate)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from generation.provenance.credentials import create_dev_certificate


class Command(BaseCommand):
    help = (
        "Create a development CA and rendition-signing certificate under VAR_DIR/c2pa/ "
        "(kept if present; --force renews). Not for production: give real files through "
        "C2PA_CERT_CHAIN_PATH and C2PA_PRIVATE_KEY_PATH there."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Replace existing files.")
        parser.add_argument(
            "--directory", type=Path, default=None, help="Where to write (default VAR_DIR/c2pa)."
        )

    def handle(self, *args, force=False, directory=None, **options):
        if settings.DEPLOYMENT == "production":
            raise CommandError("Refusing to make a development certificate in production.")
        created = create_dev_certificate(directory or settings.C2PA_DEV_DIR, force=force)
        verb = "Created" if created.created else "Kept existing"
        self.stdout.write(f"{verb} development C2PA chain: {created.chain_path}")
        self.stdout.write(f"  key: {created.key_path}")
        self.stdout.write(f"  trust anchor (dev CA): {created.root_path}")
