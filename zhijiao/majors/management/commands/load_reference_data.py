"""Load (or refresh) the divisions, the major catalogue and the colleges from SHARED_DATA_DIR."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from zhijiao.core.actors import system_actor
from zhijiao.majors.reference import CATALOGUE_VERSION, ReferenceDataError, reference_data_load


class Command(BaseCommand):
    help = "Load Shandong's divisions, the vocational major catalogue and the colleges (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--data-dir", default=None, help=f"Reference data directory (default {settings.SHARED_DATA_DIR})"
        )
        parser.add_argument(
            "--catalogue-version", default=CATALOGUE_VERSION, help="Catalogue version stored on the majors."
        )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            report = reference_data_load(
                actor=system_actor("reference-data"),
                data_dir=options["data_dir"],
                catalogue_version=options["catalogue_version"],
            )
        except ReferenceDataError as exc:
            raise CommandError(
                _("Reference data not loaded; nothing was written:\n%(problems)s") % {"problems": exc}
            )
        self.stdout.write(str(report))
        self.stdout.write(
            self.style.SUCCESS(
                _("Reference data loaded: %(n)d rows written in %(s).1f s.")
                % {"n": report.written, "s": time.monotonic() - started}
            )
        )
