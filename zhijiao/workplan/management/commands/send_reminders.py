import datetime

from django.core.management.base import BaseCommand, CommandError

from zhijiao.workplan.services import reminders_send


class Command(BaseCommand):
    help = "Send work-plan reminders and escalations for today (Asia/Shanghai); safe to run repeatedly."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="run as of this date (YYYY-MM-DD) instead of today")

    def handle(self, *args, date=None, **options):
        today = None
        if date:
            try:
                today = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD")
        counts = reminders_send(today=today)
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))
