import datetime as dt
import json

from django.core.management.base import BaseCommand

from zhijiao.internships.sweep import run_sweep


class Command(BaseCommand):
    help = "Run the daily internship compliance sweep: open, resolve and escalate alerts."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Sweep as of this day (YYYY-MM-DD); default today.")
        parser.add_argument("--no-anomalies", action="store_true", help="Skip the anomaly detectors.")

    def handle(self, *args, **options):
        today = dt.date.fromisoformat(options["date"]) if options.get("date") else None
        result = run_sweep(today=today, anomalies=not options["no_anomalies"])
        self.stdout.write(json.dumps(result))
