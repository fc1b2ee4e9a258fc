from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from zhijiao.core.actors import system_actor
from zhijiao.reporting.definitions import definition_export, definition_load


class Command(BaseCommand):
    help = "Load a data-set definition (YAML/JSON) as a new version, or export one with --export CODE."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--export", metavar="CODE", help="write the current version of CODE to FILE")

    def handle(self, *args, file, export=None, **options):
        if export:
            from zhijiao.reporting.models import DataSet

            data_set = DataSet.objects.filter(code=export).first()
            if data_set is None or data_set.current_version() is None:
                raise CommandError(f"no data set {export!r}")
            with open(file, "w", encoding="utf-8") as fh:
                fh.write(definition_export(data_set.current_version()))
            return
        with open(file, encoding="utf-8") as fh:
            text = fh.read()
        try:
            version = definition_load(actor=system_actor("reporting-loader"), text=text)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(f"{version.data_set.code} v{version.number}")
