import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from market.models import Region
from market.reports import last_month, month_label, monthly_report
from market.selectors import Period
from market.templatetags.money import rupiah


def _month(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(f"{value}-01")
    except ValueError as error:
        raise CommandError(f"Not a month (YYYY-MM): {value}") from error


class Command(BaseCommand):
    help = "Write a region's monthly dinas report (XLSX): last month unless --month is given."

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True,
                            help="region code, e.g. 61.07 (sub-regions included)")
        parser.add_argument("--month", type=_month, help="YYYY-MM (default: last month)")
        parser.add_argument("--output", type=Path, default=Path("."),
                            help="a directory (the file is named after region and month) "
                                 "or a file path")

    def handle(self, *args, region, month=None, output, **options):
        found = Region.objects.filter(code=region).first()
        if found is None:
            raise CommandError(f"No region with the code {region}.")
        period = Period.month_of(month) if month else last_month()
        report = monthly_report(region=found, month=period)
        path = output / report.file_name if output.is_dir() else output
        path.write_bytes(report.content)
        self.stdout.write(self.style.SUCCESS(
            f"Monthly report of {found.name} for {month_label(period)}: {path} "
            f"({report.counts.registered} cooperatives, {report.counts.active} active, "
            f"net {rupiah(report.totals['net'])})"
        ))
