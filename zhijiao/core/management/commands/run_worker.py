"""``manage.py run_worker``: run background jobs (imports…) from the database queue."""

import signal

from django.core.management.base import BaseCommand
from django.utils.translation import gettext_lazy as _

from zhijiao.core import jobs


class Command(BaseCommand):
    help = _("Run queued background jobs; several workers may run at once, on one host or many.")

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job that is ready, then exit.")
        parser.add_argument(
            "--sleep", type=float, default=1.0, help="Seconds to wait when the queue is empty."
        )
        parser.add_argument("--max-jobs", type=int, default=None, help="Exit after this many jobs.")

    def handle(self, *args, once=False, sleep=1.0, max_jobs=None, **options):
        stopping = {"flag": False}

        def _stop(signum, frame):
            # Finish the current job, then exit (systemd stop, Ctrl-C).
            stopping["flag"] = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        n = jobs.work(once=once, sleep=sleep, max_jobs=max_jobs, stop=lambda: stopping["flag"])
        self.stdout.write(f"ran {n} job(s)")
