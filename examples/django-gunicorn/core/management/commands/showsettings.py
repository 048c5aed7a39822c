import json

from django.core.management.base import BaseCommand, CommandError

from core.report import VARIABLES, report


class Command(BaseCommand):
    help = (
        "Print which settings this process got (lengths and short hashes, never values). "
        "With --require NAME, exit 3 when NAME is not set: a pre-flight check for a deployment."
    )

    def add_arguments(self, parser):
        parser.add_argument("--require", action="append", default=[], metavar="NAME",
                            help="a variable that must be set (%s, or CREDENTIALS)" % ", ".join(VARIABLES))

    def handle(self, *args, **options):
        r = report()
        self.stdout.write(json.dumps(r, indent=2, sort_keys=True))
        missing = [n for n in options["require"]
                   if not (r["credentials"] if n == "CREDENTIALS" else r["variables"].get(n, {})).get("set")]
        if missing:
            raise CommandError("not set: " + ", ".join(missing), returncode=3)
