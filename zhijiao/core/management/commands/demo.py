"""Load the demo (schools, offered majors, enterprises, one account per role) and print the accounts."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhijiao.core.demo import COUNT_LABELS, DEFAULT_ENTERPRISES, DEFAULT_SCHOOLS, DemoError, demo_load
from zhijiao.orgs.reference import ReferenceDataError


class Command(BaseCommand):
    help = "Load demo data once (deterministic); afterwards only print the demo accounts."

    def add_arguments(self, parser):
        parser.add_argument(
            "--schools", type=int, default=DEFAULT_SCHOOLS, help="Secondary schools to create."
        )
        parser.add_argument(
            "--enterprises", type=int, default=DEFAULT_ENTERPRISES, help="Enterprises to create."
        )
        parser.add_argument(
            "--data-dir", default=None, help="Reference data directory, if it must be loaded."
        )

    def handle(self, *args, **options):
        if options["schools"] < 0 or options["enterprises"] < 0:
            raise CommandError(_("Counts must not be negative."))
        try:
            result = demo_load(
                actor=None,
                schools=options["schools"],
                enterprises=options["enterprises"],
                data_dir=options["data_dir"],
            )
        except (DemoError, ReferenceDataError) as exc:
            raise CommandError(_("Demo not loaded; nothing was written:\n%(why)s") % {"why": exc})
        if result.created:
            summary = pgettext("list separator", ", ").join(
                _("%(what)s: %(n)s") % {"what": COUNT_LABELS.get(k, k), "n": v}
                for k, v in result.counts.items()
            )
            self.stdout.write(
                self.style.SUCCESS(
                    _("Demo loaded in %(s).1f s (%(summary)s).") % {"s": result.seconds, "summary": summary}
                )
            )
        else:
            self.stdout.write(_("The demo is already loaded; nothing was written."))
        self.stdout.write("")
        self.stdout.write(self._table(result.accounts))
        self.stdout.write("")
        if result.totp_uri:
            self.stdout.write(
                _("province_admin signs in with a second factor (TOTP). Add it to an authenticator app:")
            )
            self.stdout.write(_("  secret (base32): %(s)s") % {"s": result.totp_secret})
            self.stdout.write(_("  otpauth URI:     %(u)s") % {"u": result.totp_uri})
            self.stdout.write(_("  or print the current code: manage.py demo_otp province_admin"))
        self.stdout.write(
            _("These are demo accounts with a published password: never use them in production.")
        )

    @staticmethod
    def _table(rows) -> str:
        headers = [_("username"), _("role"), _("organisation"), _("password")]
        cells = [[r.username, r.role, r.organisation, r.password] for r in rows]

        def width(text: str) -> int:  # CJK characters take two columns in a terminal
            return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)

        widths = [max(width(str(c)) for c in col) for col in zip(headers, *cells, strict=False)]

        def line(values):
            return "  ".join(
                str(v) + " " * (w - width(str(v))) for v, w in zip(values, widths, strict=True)
            ).rstrip()

        return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(c) for c in cells)])
