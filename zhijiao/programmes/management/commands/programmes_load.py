from django.core.management.base import BaseCommand

from zhijiao.core.actors import system_actor
from zhijiao.programmes import loader


class Command(BaseCommand):
    help = "Load the programme types in zhijiao/programmes/data/ (and, with --calls, the 2021 plan's calls)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--calls", action="store_true", help="also open the 2021 plan's calls (demo dates)"
        )

    def handle(self, *args, calls=False, **options):
        actor = system_actor("programmes-loader")
        types = loader.load_types(actor=actor)
        self.stdout.write(f"{len(types)} programme types")
        if calls:
            self.stdout.write(f"{len(loader.load_calls(actor=actor))} calls")
