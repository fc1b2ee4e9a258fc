"""Print the current TOTP code of a demo account (only demo devices, whose secret is published)."""

from django.core.management.base import BaseCommand, CommandError

from zhijiao.core.demo import DemoError, demo_totp_code


class Command(BaseCommand):
    help = "Print the current 6-digit TOTP code of a demo account's demo device."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, **options):
        try:
            self.stdout.write(demo_totp_code(options["username"]))
        except DemoError as exc:
            raise CommandError(str(exc))
