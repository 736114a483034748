"""The daily sales figures (`DailySales`): derived from the sale and refund events alone.

The counting rule (API.md): a sale counts on the Asia/Jakarta day of its
`order_paid` event (card and bank transfer when paid, cash on delivery when
delivered); a refund, also the full refund of a cancellation after payment,
counts on the day of its `refund_requested`; a `refund_failed` gives it back on
the day of the failure, so a day already reported never changes afterwards.

Per category: the sale's gross (the order's total, shipping included) is split in
proportion to the gross of its lines per category (`data["categories"]`), and a
refund carries its own split, made the same way by payments.settlement. An order
counts once, on the row of its largest category, so the rows of any grouping
(cooperative, region, category, day) add up to the number of distinct paid orders.

`sales_figures_apply` is called by events.record for every event written, in the
transaction that writes it; `sales_figures_rebuild` recomputes a range of days from
the events, and must give the same rows.

`MonthlySales` holds each month's sum of those rows, for the monitoring's whole months:
the upsert adds the same deltas to the month (the first day of the month as its key),
after the day rows, and the rebuild sums the touched months again from their days.
"""

import calendar
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth

from market.models import DailySales, MonthlySales

JAKARTA = ZoneInfo("Asia/Jakarta")
ORDER_PAID, REFUND_REQUESTED, REFUND_FAILED = "order_paid", "refund_requested", "refund_failed"
COUNTED_KINDS = (ORDER_PAID, REFUND_REQUESTED, REFUND_FAILED)
NO_CATEGORY = "None"  # how the events' details name lines without a category

Key = tuple[datetime.date, int, int | None]  # day (or month's first day), cooperative, category
FIGURE_FIELDS = ("orders", "items", "gross", "refunds")


@dataclass
class Figures:
    orders: int = 0
    items: int = 0
    gross: int = 0
    refunds: int = 0

    def add(self, other: "Figures") -> None:
        self.orders += other.orders
        self.items += other.items
        self.gross += other.gross
        self.refunds += other.refunds


def _category_order(key: str) -> tuple[bool, int]:
    return (key == NO_CATEGORY, 0 if key == NO_CATEGORY else int(key))


def rupiah_split(amount: int, weights: dict[str, int]) -> dict[str, int]:
    """`amount` whole rupiah in proportion to `weights`, adding up exactly (largest remainder).

    Each key gets the floor of its share; the rupiah left over go one each to the
    largest remainders, ties to the smallest category id (lines without one last).
    """
    keys = sorted(weights, key=_category_order) or [NO_CATEGORY]
    total = sum(weights.get(key, 0) for key in keys)
    if total <= 0:  # nothing to weigh by (free goods): all on the first category
        return {key: amount if index == 0 else 0 for index, key in enumerate(keys)}
    shares = {key: amount * weights[key] // total for key in keys}
    by_remainder = sorted(keys, key=lambda key: (-(amount * weights[key] % total),
                                                 _category_order(key)))
    for key in by_remainder[: amount - sum(shares.values())]:
        shares[key] += 1
    return shares


def _main_category(weights: dict[str, int]) -> str:
    """Where an order is counted: its largest category, ties to the smallest id."""
    return min(weights, key=lambda key: (-weights[key], _category_order(key)))


def event_figures(event) -> dict[Key, Figures]:
    """What one event adds to the figures (nothing, for kinds that do not count)."""
    if event.kind not in COUNTED_KINDS:
        return {}
    day = event.at.astimezone(JAKARTA).date()
    data = event.data or {}
    weights = data.get("categories") or {NO_CATEGORY: event.amount}
    shares = rupiah_split(event.amount, weights)
    figures: dict[str, Figures] = {}
    if event.kind == ORDER_PAID:
        # Paid after it was cancelled: money in and straight back, but no goods sold.
        sold = not data.get("after_cancellation")
        main = _main_category(weights)
        items = data.get("category_items") or {main: data.get("items", 0)}
        for key, gross in shares.items():
            figures[key] = Figures(orders=int(sold and key == main),
                                   items=items.get(key, 0) if sold else 0, gross=gross)
    else:
        sign = 1 if event.kind == REFUND_REQUESTED else -1
        figures = {key: Figures(refunds=sign * share) for key, share in shares.items()}
    return {
        (day, event.cooperative_id, None if key == NO_CATEGORY else int(key)): value
        for key, value in figures.items()
    }


def _merge(into: dict[Key, Figures], figures: dict[Key, Figures]) -> None:
    for key, value in figures.items():
        into.setdefault(key, Figures()).add(value)


def _lock_order(key: Key) -> tuple:
    """One order for every transaction's row locks: by day, cooperative, then category
    (uncategorised first). A payment writes its orders' sales by order, that is by
    cooperative (checkout makes them in that order), so it follows this order too.

    Each call takes its day rows, then their month rows (each in this order), and a
    transaction's calls go cooperative by cooperative: whoever waits for a month row
    holds no row its holder still needs, since the holder took that call's day rows
    first, and no later call of the holder's comes back to that cooperative."""
    day, cooperative_id, category_id = key
    return (day, cooperative_id, category_id is not None, category_id or 0)


def sales_figures_apply(events: Iterable) -> None:
    """Add what these events count to the daily figures (inside the caller's transaction)."""
    deltas: dict[Key, Figures] = {}
    for event in events:
        _merge(deltas, event_figures(event))
    if deltas:
        sales_figures_add(deltas)


_UPSERT = """
    INSERT INTO {table} ({period}, cooperative_id, category_id, orders, items, gross, refunds)
    VALUES {values}
    ON CONFLICT {target} DO UPDATE SET
        orders = {table}.orders + EXCLUDED.orders,
        items = {table}.items + EXCLUDED.items,
        gross = {table}.gross + EXCLUDED.gross,
        refunds = {table}.refunds + EXCLUDED.refunds
"""
_CONFLICT_TARGET = {
    True: "({period}, cooperative_id, category_id) WHERE category_id IS NOT NULL",
    False: "({period}, cooperative_id) WHERE category_id IS NULL",
}
_PERIOD_FIELD = {DailySales: "day", MonthlySales: "month"}


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _by_month(deltas: dict[Key, Figures]) -> dict[Key, Figures]:
    months: dict[Key, Figures] = {}
    for (day, cooperative_id, category_id), value in deltas.items():
        months.setdefault((_month(day), cooperative_id, category_id), Figures()).add(value)
    return months


def sales_figures_add(deltas: dict[Key, Figures]) -> None:
    """Add to (or create) the day rows, then their months' rows, each in `_lock_order`, so
    concurrent sales never deadlock (inside the caller's transaction)."""
    _upsert_rows(DailySales, deltas)
    _upsert_rows(MonthlySales, _by_month(deltas))


def _upsert_rows(model: type[DailySales | MonthlySales], deltas: dict[Key, Figures]) -> None:
    """PostgreSQL: one INSERT ... ON CONFLICT DO UPDATE per partial unique index, so
    two sales of the same row at once both count (the second waits for the first's
    row lock and adds to what it committed). SQLite writes one transaction at a time.
    """
    period = _PERIOD_FIELD[model]
    keys = sorted(deltas, key=_lock_order)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # One statement per run of rows under the same unique index, in lock order.
            for categorised, run in groupby(keys, key=lambda key: key[2] is not None):
                batch = list(run)
                params = []
                for key in batch:
                    value = deltas[key]
                    params += [*key, value.orders, value.items, value.gross, value.refunds]
                values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(batch))
                target = _CONFLICT_TARGET[categorised].format(period=period)
                cursor.execute(_UPSERT.format(table=model._meta.db_table, period=period,
                                              values=values, target=target), params)
        return
    for when, cooperative_id, category_id in keys:
        value = deltas[(when, cooperative_id, category_id)]
        row, created = model.objects.get_or_create(
            **{period: when}, cooperative_id=cooperative_id, category_id=category_id,
            defaults=vars(value),
        )
        if not created:
            model.objects.filter(pk=row.pk).update(
                orders=F("orders") + value.orders, items=F("items") + value.items,
                gross=F("gross") + value.gross, refunds=F("refunds") + value.refunds,
            )


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=JAKARTA)


@transaction.atomic
def sales_figures_rebuild(
    *, start: datetime.date | None = None, end: datetime.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> int:
    """Recompute the figures of the days `start` to `end` (inclusive; open: all) from the
    events, replacing those days' rows in one transaction, then the MonthlySales rows of
    the months they touch from those months' days. Returns the day rows written.

    Memory holds one day's rows: the events are read in time order and each day is
    written when the next begins. On PostgreSQL the tables are locked against writes
    first, days then months as the upsert takes them (sales wait, they do not fail), so
    no sale is lost or counted twice.
    """
    from events.models import Event  # events.record calls this module

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("LOCK TABLE market_dailysales IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("LOCK TABLE market_monthlysales IN SHARE ROW EXCLUSIVE MODE")
    events = Event.objects.filter(kind__in=COUNTED_KINDS)
    rows = DailySales.objects.all()
    if start is not None:
        events = events.filter(at__gte=_day_start(start))
        rows = rows.filter(day__gte=start)
    if end is not None:
        events = events.filter(at__lt=_day_start(end + datetime.timedelta(days=1)))
        rows = rows.filter(day__lte=end)
    rows.delete()

    written = 0
    day: datetime.date | None = None
    figures: dict[Key, Figures] = {}

    def write() -> None:
        nonlocal written
        DailySales.objects.bulk_create(
            [DailySales(day=key[0], cooperative_id=key[1], category_id=key[2], **vars(value))
             for key, value in sorted(figures.items(), key=lambda item: _lock_order(item[0]))],
            batch_size=1000,
        )
        written += len(figures)
        if progress is not None:
            progress(f"{day}: {len(figures)} rows")
        figures.clear()

    fields = ("kind", "at", "cooperative_id", "amount", "data")
    for event in events.order_by("at", "pk").only(*fields).iterator(chunk_size=2000):
        event_day = event.at.astimezone(JAKARTA).date()
        if event_day != day and figures:
            write()
        day = event_day
        _merge(figures, event_figures(event))
    if figures:
        write()
    _months_rebuild(start=start, end=end, progress=progress)
    return written


def _months_rebuild(*, start: datetime.date | None, end: datetime.date | None,
                    progress: Callable[[str], None] | None) -> None:
    """The MonthlySales rows of the months from `start`'s to `end`'s (open: all), summed
    again from their DailySales rows: also the days outside the rebuilt range."""
    days = DailySales.objects.all()
    months = MonthlySales.objects.all()
    if start is not None:
        days = days.filter(day__gte=_month(start))
        months = months.filter(month__gte=_month(start))
    if end is not None:
        days = days.filter(day__lte=end.replace(day=calendar.monthrange(end.year,
                                                                        end.month)[1]))
        months = months.filter(month__lte=_month(end))
    months.delete()
    sums = (days.annotate(month=TruncMonth("day")).values("month", "cooperative_id",
                                                           "category_id")
            .annotate(**{name: Sum(name) for name in FIGURE_FIELDS}).order_by())
    rows = [MonthlySales(**row) for row in sums]
    MonthlySales.objects.bulk_create(
        sorted(rows, key=lambda row: _lock_order((row.month, row.cooperative_id,
                                                  row.category_id))),
        batch_size=1000,
    )
    if progress is not None:
        progress(f"months: {len(rows)} rows")
