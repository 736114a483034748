import datetime

from django.core.management.base import BaseCommand, CommandError

from market.monitoring import sales_figures_rebuild


def _date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from error


class Command(BaseCommand):
    help = "Recompute the daily sales figures of a range of Asia/Jakarta days from the events."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=_date, help="first day (YYYY-MM-DD)")
        parser.add_argument("--to", dest="end", type=_date, help="last day (YYYY-MM-DD)")

    def handle(self, *args, start=None, end=None, **options):
        if start and end and start > end:
            raise CommandError("--from is after --to.")
        progress = self.stdout.write if options["verbosity"] >= 1 else None
        rows = sales_figures_rebuild(start=start, end=end, progress=progress)
        period = f"{start or 'the first sale'} to {end or 'today'}"
        self.stdout.write(self.style.SUCCESS(f"Sales figures rebuilt from {period}: {rows} rows."))
