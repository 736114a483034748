"""A synthetic order history for benchmarks: `python manage.py seed_sales_history --orders 1000000`.

Orders over the last two years (ending now), more of them lately, for the verified
synthetic cooperatives of seed_bulk (NIK prefix 61079, over Bengkayang's kecamatan),
each selling a few products in a few categories to a pool of synthetic buyers. Each
order comes with its checkout, payment, lines, refund and the event rows the services
write, and ends where a real history leaves it: most completed, the last days' still
under way, some never paid (cancelled when the payment window closed), a few cancelled
after payment (refunded in full), a few partly refunded after delivery; cash on
delivery is paid on delivery. Then the daily sales figures of those days are rebuilt
from the events by market.monitoring, the project's own code path.

Left out, as the monitoring never reads them: stock moves (and their events), the
ledger (sale credits, commissions) and failed refunds.

PostgreSQL only, fast and memory-flat: each batch of orders is planned, written with
COPY and dropped before the next. Re-runnable: it tops the history up to --orders;
--reset deletes the synthetic history first.
"""

import bisect
import datetime
import hashlib
import itertools
import json
import math
import random
import resource
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from catalog.management.commands.seed_bulk import BASES, BULK_OWNER_EMAIL, synthetic_cooperatives
from catalog.models import Category, Product, Variant
from catalog.search import product_search_refresh
from events.models import Event
from market.models import Cooperative, User
from market.monitoring import JAKARTA, rupiah_split, sales_figures_rebuild
from orders.models import Checkout, Order, OrderLine, ShippingOption
from payments.methods import PaymentMethod
from payments.models import LedgerEntry, Payment, Refund

BUYER_DOMAIN = "sintetis.pasar.test"  # every synthetic order is bought by one of these
BUYERS = 2_000
GOODS_PER_COOPERATIVE = 6  # at most, of its active variants; fewer than 2: some are added
CITIES = ["Bengkayang", "Singkawang", "Pontianak", "Sanggau Ledo", "Seluas", "Ledo", "Sambas"]

# How orders are paid, and what becomes of them (shares of all orders of that kind).
METHODS = [PaymentMethod.STRIPE, PaymentMethod.BANK_TRANSFER, PaymentMethod.COD]
METHOD_WEIGHTS = [30, 45, 25]
NEVER_PAID = 0.05  # card or transfer never paid: cancelled when the payment window closes
CANCELLED_AFTER_PAYMENT = 0.03  # paid, then cancelled before shipping: refunded in full
COD_CANCELLED = 0.04  # cash on delivery cancelled before shipping: never paid
PARTLY_REFUNDED = 0.04  # delivered, then part of it refunded within the return window
GROWTH = 3.0  # orders a day now, against two years ago

Status = Order.Status
Kind = Event.Kind
HOUR = datetime.timedelta(hours=1)


@dataclass(frozen=True)
class Goods:
    variant_id: int
    category_id: int | None
    product_name: str
    variant_name: str
    sku: str
    price: int


@dataclass(frozen=True)
class Shop:
    cooperative_id: int
    shipping_option_id: int
    shipping_method: str
    fee: int
    goods: list[Goods]


@dataclass(frozen=True)
class World:
    """What every order is drawn from: the shops (with popularity) and the buyers."""

    shops: list[Shop]
    shop_weights: list[float]  # cumulative
    buyer_ids: list[int]
    addresses: dict[int, str]  # buyer -> shipping address as JSON
    owner_id: int  # the synthetic cooperatives' owner: accepts, ships, refunds


class Command(BaseCommand):
    help = "Top a synthetic order history up to --orders orders (COPY in batches), then " \
           "rebuild the daily sales figures of its days."

    def add_arguments(self, parser):
        parser.add_argument("--orders", type=int, default=1_000_000,
                            help="synthetic orders wanted in all (default 1,000,000)")
        parser.add_argument("--cooperatives", type=int, default=200)
        parser.add_argument("--days", type=int, default=730, help="days of history, ending now")
        parser.add_argument("--batch", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--reset", action="store_true",
                            help="delete the synthetic history first")

    def handle(self, *args, orders, cooperatives, days, batch, seed, reset, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_sales_history writes with COPY: PostgreSQL only.")
        if orders < 0 or cooperatives < 1 or days < 1 or batch < 1:
            raise CommandError("--orders >= 0, and --cooperatives, --days, --batch >= 1.")
        started = time.monotonic()
        now = timezone.now()
        first_day = (now - datetime.timedelta(days=days)).astimezone(JAKARTA).date()
        if reset:
            deleted = history_delete()
            self.stdout.write(f"  deleted {deleted:,} synthetic orders "
                              f"{time.monotonic() - started:6.1f} s")
        present = synthetic_orders().count()
        wanted = orders - present
        if wanted <= 0:
            self.stdout.write(f"{present:,} synthetic orders already; nothing to add.")
            if reset:
                self._rebuild(first_day, now)
            return
        world = world_ensure(cooperatives, random.Random(seed))
        # A top-up draws other orders than the run before it.
        rng = random.Random(f"{seed}-{present}")
        window = datetime.timedelta(days=days)
        written = {"lines": 0, "events": 0, "refunds": 0}
        for first, size in batches(wanted, batch):
            quantiles = [(first + index + rng.random()) / wanted for index in range(size)]
            placed = [now - window + window * _growth_position(q) for q in quantiles]
            for table, count in batch_write(rng, world, placed, now).items():
                written[table] += count
            reset_queries()  # with DEBUG on, the logged SQL adds up
            self.stdout.write(f"  {present + first + size:>10,} orders "
                              f"{time.monotonic() - started:6.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(
                model._meta.db_table for model in (Cooperative, Checkout, Payment, Order,
                                                   OrderLine, Refund, Event)))
        generated = time.monotonic() - started
        rows, rebuilt = self._rebuild(first_day, now)
        peak_mb = peak_memory_mb()
        self.stdout.write(
            f"Added {wanted:,} orders ({written['lines']:,} lines, {written['events']:,} "
            f"events, {written['refunds']:,} refunds) over {len(world.shops)} cooperatives "
            f"in {generated:.1f} s; daily figures rebuilt in {rebuilt:.1f} s ({rows:,} rows); "
            f"{present + wanted:,} synthetic orders; peak memory {peak_mb:.0f} MB"
        )

    def _rebuild(self, first_day: datetime.date, now: datetime.datetime) -> tuple[int, float]:
        """The figures of the history's days from the events, as market.monitoring counts."""
        started = time.monotonic()
        days = itertools.count(1)

        def progress(text: str) -> None:
            reset_queries()
            if next(days) % 100 == 0:
                self.stdout.write(f"  figures {text} {time.monotonic() - started:6.1f} s")

        rows = sales_figures_rebuild(start=first_day, end=now.astimezone(JAKARTA).date(),
                                     progress=progress)
        vacuum = "" if connection.in_atomic_block else "VACUUM "
        with connection.cursor() as cursor:
            cursor.execute(f"{vacuum}ANALYZE market_dailysales")
        return rows, time.monotonic() - started


def peak_memory_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM, as ru_maxrss keeps the parent's
    size across fork and exec (a benchmark starting this command would be counted)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def synthetic_buyers():
    return User.objects.filter(email__endswith=f"@{BUYER_DOMAIN}")


def synthetic_orders():
    return Order.objects.filter(buyer__in=synthetic_buyers())


def history_delete() -> int:
    """Delete every synthetic order with all that hangs off it; returns the orders deleted."""
    buyers = f"SELECT id FROM {User._meta.db_table} WHERE email LIKE %s"
    orders = f"SELECT id FROM {Order._meta.db_table} WHERE buyer_id IN ({buyers})"
    payments = f"SELECT id FROM {Payment._meta.db_table} WHERE buyer_id IN ({buyers})"
    like = [f"%@{BUYER_DOMAIN}"]
    statements = [
        (f"DELETE FROM {Event._meta.db_table} WHERE order_id IN ({orders}) "
         f"OR payment_id IN ({payments})", like * 2),
        (f"DELETE FROM {LedgerEntry._meta.db_table} WHERE order_id IN ({orders})", like),
        (f"DELETE FROM {Refund._meta.db_table} WHERE order_id IN ({orders})", like),
        (f"DELETE FROM {Payment._meta.db_table} WHERE buyer_id IN ({buyers})", like),
        (f"DELETE FROM {OrderLine._meta.db_table} WHERE order_id IN ({orders})", like),
        (f"DELETE FROM {Order._meta.db_table} WHERE buyer_id IN ({buyers})", like),
        (f"DELETE FROM {Checkout._meta.db_table} WHERE buyer_id IN ({buyers})", like),
    ]
    with transaction.atomic():
        deleted = synthetic_orders().count()
        with connection.cursor() as cursor:
            for statement, params in statements:
                cursor.execute(statement, params)
    return deleted


# ---------------------------------------------------------------- who sells, who buys


def world_ensure(cooperatives: int, rng: random.Random) -> World:
    """The synthetic cooperatives with their goods and shipping, and the buyers (made once)."""
    cooperative_ids = synthetic_cooperatives(cooperatives)
    owner_id = User.objects.get(email=BULK_OWNER_EMAIL).pk
    shops = [_shop_ensure(pk, random.Random(f"{pk}")) for pk in cooperative_ids]
    # A few cooperatives sell much more than most (the first about 10 times the last).
    shop_weights = list(itertools.accumulate(1 / (rank + 20) for rank in range(len(shops))))
    rng.shuffle(shops)
    buyers = _buyers_ensure()
    addresses = {
        pk: json.dumps({"name": name, "phone": "081200000000",
                        "line1": f"Jl. Merdeka No. {pk % 150 + 1}",
                        "city": CITIES[pk % len(CITIES)], "postal_code": "79211"})
        for pk, name in buyers
    }
    return World(shops=shops, shop_weights=shop_weights, buyer_ids=[pk for pk, _ in buyers],
                 addresses=addresses, owner_id=owner_id)


def _shop_ensure(cooperative_id: int, rng: random.Random) -> Shop:
    option = ShippingOption.objects.filter(cooperative_id=cooperative_id, is_active=True).order_by(
        "pk").first()
    if option is None:
        option = ShippingOption.objects.create(
            cooperative_id=cooperative_id, name="Antar lokal", kind=ShippingOption.Kind.DELIVERY,
            fee=rng.choice([5_000, 10_000, 15_000]),
        )
    goods = _goods_of(cooperative_id)
    if len(goods) < 2:
        _goods_add(cooperative_id, rng)
        goods = _goods_of(cooperative_id)
    return Shop(cooperative_id=cooperative_id, shipping_option_id=option.pk,
                shipping_method=option.name, fee=option.fee, goods=goods)


def _goods_of(cooperative_id: int) -> list[Goods]:
    rows = (
        Variant.objects.filter(cooperative_id=cooperative_id, product__status=Product.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "product__category_id", "product__name", "name", "sku", "price")
    )[:GOODS_PER_COOPERATIVE]
    return [Goods(*row) for row in rows]


def _goods_add(cooperative_id: int, rng: random.Random) -> None:
    """Two or three categories of seed_bulk's goods, two products each, one variant each."""
    by_category: dict[str, list[tuple]] = {}
    for base in BASES:
        by_category.setdefault(base[1], []).append(base)
    categories = dict(Category.objects.values_list("slug", "pk"))
    chosen = rng.sample(sorted(by_category), rng.choice([2, 2, 3]))
    with transaction.atomic():
        for category in chosen:
            for number, base in enumerate(rng.sample(by_category[category],
                                                     min(2, len(by_category[category])))):
                name, _slug, unit, _qualifiers, typical_price = base
                price = max(500, round(typical_price * rng.uniform(0.8, 1.3) / 500) * 500)
                product = Product.objects.create(
                    cooperative_id=cooperative_id, name=name,
                    slug=f"{slugify(name)}-riwayat-{cooperative_id}-{category}-{number}",
                    description=f"{name} dari koperasi, untuk riwayat penjualan sintetis.",
                    category_id=categories[category], unit=unit, status=Product.Status.ACTIVE,
                    price=price,
                )
                Variant.objects.create(
                    product=product, cooperative_id=cooperative_id, name="1 " + unit,
                    sku=f"RIWAYAT-{cooperative_id}-{category}-{number}", price=price, stock=100,
                )
        product_search_refresh(Product.objects.filter(
            cooperative_id=cooperative_id, slug__contains=f"-riwayat-{cooperative_id}-"))


def _buyers_ensure() -> list[tuple[int, str]]:
    buyers = list(synthetic_buyers().order_by("pk").values_list("pk", "name"))
    if len(buyers) >= BUYERS:
        return buyers
    password = make_password(None)  # unusable: nobody logs in as them
    User.objects.bulk_create(
        [User(email=f"pembeli{number:05d}@{BUYER_DOMAIN}", name=f"Pembeli Sintetis {number}",
              password=password) for number in range(BUYERS)],
        ignore_conflicts=True,
    )
    return list(synthetic_buyers().order_by("pk").values_list("pk", "name"))


# ---------------------------------------------------------------- one order's life


@dataclass(slots=True)
class Sale:
    """One order as it will be written: when each step happened (None: not, or not yet)."""

    placed_at: datetime.datetime
    shop: Shop
    buyer_id: int
    method: str
    lines: list[tuple[Goods, int]]  # goods, quantity
    paid_at: datetime.datetime | None = None
    accepted_at: datetime.datetime | None = None
    shipped_at: datetime.datetime | None = None
    delivered_at: datetime.datetime | None = None
    delivered_by_buyer: bool = True  # else the system, when the buyer never confirmed
    completed_at: datetime.datetime | None = None
    cancelled_at: datetime.datetime | None = None
    cancelled_by: int | None = None  # a user; None: the system (payment window closed)
    cancel_reason: str = ""
    refund_amount: int = 0
    refund_at: datetime.datetime | None = None
    refund_done_at: datetime.datetime | None = None  # the provider (or finance) paid it back
    refund_reason: str = ""

    @property
    def subtotal(self) -> int:
        return sum(goods.price * quantity for goods, quantity in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal + self.shop.fee

    @property
    def status(self) -> str:
        for at, status in ((self.cancelled_at, Status.CANCELLED),
                           (self.completed_at, Status.COMPLETED),
                           (self.delivered_at, Status.DELIVERED),
                           (self.shipped_at, Status.SHIPPED),
                           (self.accepted_at, Status.ACCEPTED),
                           (self.paid_at, Status.PAID)):
            if at is not None:
                return status
        return Status.PENDING_PAYMENT

    def status_at(self, moment: datetime.datetime) -> str:
        """The status right after `moment` (for a refund paid back later)."""
        if self.completed_at is not None and self.completed_at <= moment:
            return Status.COMPLETED
        return self.status if self.cancelled_at else Status.DELIVERED


def _hours(rng: random.Random, low: float, high: float) -> datetime.timedelta:
    return HOUR * rng.uniform(low, high)


def _growth_position(quantile: float) -> float:
    """Where in the window (0 to 1) the order at this quantile falls, with orders a day
    growing linearly to GROWTH times the first day's (the inverse of their distribution)."""
    slope = GROWTH - 1
    return (math.sqrt(1 + slope * (2 + slope) * quantile) - 1) / slope


def sale_plan(rng: random.Random, world: World, placed_at: datetime.datetime,
              now: datetime.datetime) -> Sale:
    """An order placed at `placed_at`, with every step it reached by `now`."""
    shop = world.shops[bisect.bisect(world.shop_weights, rng.random() * world.shop_weights[-1])]
    goods = rng.sample(shop.goods, min(len(shop.goods), rng.choices([1, 2, 3], [60, 30, 10])[0]))
    sale = Sale(
        placed_at=placed_at, shop=shop, buyer_id=rng.choice(world.buyer_ids),
        method=rng.choices(METHODS, METHOD_WEIGHTS)[0],
        lines=[(item, rng.choices([1, 2, 3, 5], [55, 25, 12, 8])[0]) for item in goods],
    )
    fate = rng.random()
    if sale.method == PaymentMethod.COD:
        if fate < COD_CANCELLED:
            sale.cancelled_at = placed_at + _hours(rng, 0.5, 20)
            sale.cancelled_by, sale.cancel_reason = sale.buyer_id, "Tidak jadi membeli"
            return _as_of(sale, now)
        sale.accepted_at = placed_at + _hours(rng, 0.5, 12)
    else:
        if fate < NEVER_PAID:
            sale.cancelled_at = placed_at + HOUR * (settings.ORDER_PAYMENT_TIMEOUT_HOURS
                                                    + rng.uniform(0, 1))
            sale.cancel_reason = "Not paid in time"
            return _as_of(sale, now)
        sale.paid_at = placed_at + _hours(rng, 0.05, 10)
        if fate < NEVER_PAID + CANCELLED_AFTER_PAYMENT:
            sale.cancelled_at = sale.paid_at + _hours(rng, 1, 24)
            sale.cancelled_by, sale.cancel_reason = world.owner_id, "Stok habis"
            sale.refund_at, sale.refund_amount = sale.cancelled_at, sale.total
            sale.refund_reason = sale.cancel_reason
            sale.refund_done_at = _refund_paid_back(rng, sale)
            return _as_of(sale, now)
        sale.accepted_at = sale.paid_at + _hours(rng, 0.5, 12)
    sale.shipped_at = sale.accepted_at + _hours(rng, 2, 30)
    if rng.random() < 0.75:
        sale.delivered_at = sale.shipped_at + _hours(rng, 12, 96)
    else:  # never confirmed: the system delivers it days after shipping
        sale.delivered_at = sale.shipped_at + datetime.timedelta(
            days=settings.ORDER_AUTO_DELIVER_DAYS) + _hours(rng, 0, 1)
        sale.delivered_by_buyer = False
    if sale.method == PaymentMethod.COD:
        sale.paid_at = sale.delivered_at
    window = datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS)
    sale.completed_at = sale.delivered_at + window + _hours(rng, 0, 1)
    if rng.random() < PARTLY_REFUNDED:
        sale.refund_at = sale.delivered_at + window * rng.uniform(0.1, 0.9)
        share = rng.uniform(0.1, 0.5)
        sale.refund_amount = min(sale.total - 1, max(1_000, round(sale.total * share / 500) * 500))
        sale.refund_reason = "Sebagian barang rusak"
        sale.refund_done_at = _refund_paid_back(rng, sale)
    return _as_of(sale, now)


def _refund_paid_back(rng: random.Random, sale: Sale) -> datetime.datetime:
    """Cash is given back at once; a card refund within the hour; a transfer by finance."""
    if sale.method == PaymentMethod.COD:
        return sale.refund_at
    if sale.method == PaymentMethod.STRIPE:
        return sale.refund_at + _hours(rng, 0.01, 1)
    return sale.refund_at + _hours(rng, 2, 48)


def _as_of(sale: Sale, now: datetime.datetime) -> Sale:
    """Forget the steps after `now`: the order is where it got to by then."""
    for name in ("paid_at", "accepted_at", "shipped_at", "delivered_at", "completed_at",
                 "cancelled_at", "refund_at", "refund_done_at"):
        at = getattr(sale, name)
        if at is not None and at > now:
            setattr(sale, name, None)
    if sale.refund_at is None:
        sale.refund_amount = 0
    return sale


# ---------------------------------------------------------------- rows


CHECKOUT_COLUMNS = ("id", "buyer_id", "idempotency_key", "request_hash", "total",
                    "payment_method", "shipping_address", "note", "created_at")
PAYMENT_COLUMNS = ("id", "checkout_id", "buyer_id", "method", "status", "amount",
                   "refunded_amount", "provider_reference", "client_secret", "proof",
                   "succeeded_at", "created_at", "updated_at")
ORDER_COLUMNS = ("id", "checkout_id", "number", "cooperative_id", "buyer_id", "status",
                 "payment_method", "subtotal", "shipping_fee", "total", "shipping_option_id",
                 "shipping_method", "shipping_address", "carrier", "tracking_number",
                 "cancel_reason", "created_at", "paid_at", "accepted_at", "shipped_at",
                 "delivered_at", "completed_at", "cancelled_at")
LINE_COLUMNS = ("order_id", "variant_id", "category_id", "product_name", "variant_name", "sku",
                "unit_price", "quantity", "line_total")
REFUND_COLUMNS = ("id", "payment_id", "order_id", "amount", "reason", "status",
                  "provider_reference", "failure_reason", "actor_id", "idempotency_key",
                  "created_at")
EVENT_COLUMNS = ("kind", "at", "actor_id", "cooperative_id", "order_id", "payment_id",
                 "refund_id", "amount", "status", "note", "data")


@dataclass
class Rows:
    checkouts: list[tuple]
    payments: list[tuple]
    orders: list[tuple]
    lines: list[tuple]
    refunds: list[tuple]
    events: list[tuple]


@transaction.atomic
def batch_write(rng: random.Random, world: World, placed: list[datetime.datetime],
                now: datetime.datetime) -> dict[str, int]:
    """Plan and write one order per time in `placed`; returns the lines, events and refunds."""
    sales = [sale_plan(rng, world, at, now) for at in placed]
    with connection.cursor() as cursor:
        checkout_ids = _ids(cursor, Checkout, len(sales))
        payment_ids = _ids(cursor, Payment, len(sales))
        order_ids = _ids(cursor, Order, len(sales))
        refund_ids = iter(_ids(cursor, Refund, sum(1 for sale in sales if sale.refund_amount)))
        rows = Rows([], [], [], [], [], [])
        for sale, checkout_id, payment_id, order_id in zip(
                sales, checkout_ids, payment_ids, order_ids, strict=True):
            refund_id = next(refund_ids) if sale.refund_amount else None
            _sale_rows(rows, sale, world, checkout_id, payment_id, order_id, refund_id)
        for model, columns, batch in (
            (Checkout, CHECKOUT_COLUMNS, rows.checkouts),
            (Payment, PAYMENT_COLUMNS, rows.payments),
            (Order, ORDER_COLUMNS, rows.orders),
            (OrderLine, LINE_COLUMNS, rows.lines),
            (Refund, REFUND_COLUMNS, rows.refunds),
            (Event, EVENT_COLUMNS, rows.events),
        ):
            _copy(cursor, model, columns, batch)
    return {"lines": len(rows.lines), "events": len(rows.events), "refunds": len(rows.refunds)}


def _ids(cursor, model: type[Model], count: int) -> list[int]:
    """`count` fresh primary keys of the model's table, taken from its sequence."""
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
        [model._meta.db_table, count],
    )
    return [row[0] for row in cursor.fetchall()]


def _copy(cursor, model: type[Model], columns: tuple[str, ...], rows: list[tuple]) -> None:
    with cursor.copy(f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _event(kind: str, at: datetime.datetime, *, actor_id: int | None = None,
           cooperative_id: int | None = None, order_id: int | None = None,
           payment_id: int | None = None, refund_id: int | None = None,
           amount: int | None = None, status: str = "", note: str = "",
           data: str = "{}") -> tuple:
    return (kind, at, actor_id, cooperative_id, order_id, payment_id, refund_id, amount, status,
            note, data)


def sale_details(lines: list[tuple[Goods, int]]) -> dict:
    """What payments.settlement writes in an `order_paid` event for the sales figures."""
    categories: dict[str, int] = {}
    category_items: dict[str, int] = {}
    for goods, quantity in lines:
        key = str(goods.category_id)
        categories[key] = categories.get(key, 0) + goods.price * quantity
        category_items[key] = category_items.get(key, 0) + quantity
    return {"items": sum(category_items.values()), "categories": categories,
            "category_items": category_items}


def _sale_rows(rows: Rows, sale: Sale, world: World, checkout_id: int, payment_id: int,
               order_id: int, refund_id: int | None) -> None:
    """The rows of one order and its history, as the services would have left them."""
    total, status, cooperative_id = sale.total, sale.status, sale.shop.cooperative_id
    placed_at, address = sale.placed_at, world.addresses[sale.buyer_id]
    key = f"sintetis-{order_id}"
    rows.checkouts.append((
        checkout_id, sale.buyer_id, key, hashlib.sha256(key.encode()).hexdigest(), total,
        sale.method, address, "", placed_at,
    ))
    dropped = sale.paid_at is None and sale.cancelled_at is not None  # amount due fell to 0
    refunded = sale.refund_amount
    if sale.paid_at is None:
        payment_status = Payment.Status.CANCELLED if dropped else Payment.Status.PENDING
    elif not refunded:
        payment_status = Payment.Status.SUCCEEDED
    elif refunded == total:
        payment_status = Payment.Status.REFUNDED
    else:
        payment_status = Payment.Status.PARTIALLY_REFUNDED
    changed = max(at for at in (placed_at, sale.paid_at, sale.cancelled_at, sale.refund_at)
                  if at is not None)
    rows.payments.append((
        payment_id, checkout_id, sale.buyer_id, sale.method, payment_status,
        0 if dropped else total, refunded, "", "", "", sale.paid_at, placed_at, changed,
    ))
    shipped = sale.shipped_at is not None
    rows.orders.append((
        order_id, checkout_id,
        f"{settings.ORDER_NUMBER_PREFIX}-{placed_at.astimezone(JAKARTA):%y%m}-{order_id:06d}",
        cooperative_id, sale.buyer_id, status, sale.method, sale.subtotal, sale.shop.fee, total,
        sale.shop.shipping_option_id, sale.shop.shipping_method, address,
        "Kurir Koperasi" if shipped else "", f"KK{order_id}" if shipped else "",
        sale.cancel_reason, placed_at, sale.paid_at, sale.accepted_at, sale.shipped_at,
        sale.delivered_at, sale.completed_at, sale.cancelled_at,
    ))
    for goods, quantity in sale.lines:
        rows.lines.append((
            order_id, goods.variant_id, goods.category_id, goods.product_name,
            goods.variant_name, goods.sku, goods.price, quantity, goods.price * quantity,
        ))
    owner = world.owner_id
    of_order = {"order_id": order_id, "cooperative_id": cooperative_id}
    events = rows.events
    events.append(_event(Kind.ORDER_PLACED, placed_at, actor_id=sale.buyer_id, amount=total,
                         status=Status.PENDING_PAYMENT, **of_order))
    details = json.dumps(sale_details(sale.lines))
    cod = sale.method == PaymentMethod.COD
    if sale.paid_at is not None and not cod:
        events.append(_event(Kind.PAYMENT_SUCCEEDED, sale.paid_at, payment_id=payment_id,
                             amount=total))
        events.append(_event(Kind.ORDER_PAID, sale.paid_at, amount=total, status=Status.PAID,
                             data=details, **of_order))
    if sale.accepted_at is not None:
        events.append(_event(Kind.ORDER_ACCEPTED, sale.accepted_at, actor_id=owner,
                             status=Status.ACCEPTED, **of_order))
    if shipped:
        events.append(_event(
            Kind.ORDER_SHIPPED, sale.shipped_at, actor_id=owner, status=Status.SHIPPED,
            data=json.dumps({"carrier": "Kurir Koperasi", "tracking_number": f"KK{order_id}"}),
            **of_order,
        ))
    if sale.delivered_at is not None:
        events.append(_event(Kind.ORDER_DELIVERED, sale.delivered_at,
                             actor_id=sale.buyer_id if sale.delivered_by_buyer else None,
                             status=Status.DELIVERED, **of_order))
        if cod:  # the cash handed over at the door: the sale, and the payment complete
            events.append(_event(Kind.ORDER_PAID, sale.paid_at, payment_id=payment_id,
                                 amount=total, status=Status.DELIVERED, data=details,
                                 **of_order))
            events.append(_event(Kind.PAYMENT_SUCCEEDED, sale.paid_at, payment_id=payment_id,
                                 amount=total))
    if sale.cancelled_at is not None:
        events.append(_event(Kind.ORDER_CANCELLED, sale.cancelled_at, actor_id=sale.cancelled_by,
                             status=Status.CANCELLED, note=sale.cancel_reason, **of_order))
        if dropped:
            events.append(_event(Kind.PAYMENT_REDUCED, sale.cancelled_at, payment_id=payment_id,
                                 amount=total, status=Status.CANCELLED, **of_order))
            events.append(_event(Kind.PAYMENT_CANCELLED, sale.cancelled_at,
                                 payment_id=payment_id, amount=0))
    if refund_id is not None:  # by whoever cancelled it, else by the cooperative
        actor = sale.cancelled_by if sale.cancelled_at is not None else owner
        _refund_rows(rows, sale, actor, payment_id, refund_id, of_order)
    if sale.completed_at is not None:
        events.append(_event(Kind.ORDER_COMPLETED, sale.completed_at, status=Status.COMPLETED,
                             **of_order))


def _refund_rows(rows: Rows, sale: Sale, actor: int | None, payment_id: int, refund_id: int,
                 of_order: dict) -> None:
    """The refund, its request (split across categories as the sale was) and its payback."""
    done = sale.refund_done_at
    rows.refunds.append((
        refund_id, payment_id, of_order["order_id"], sale.refund_amount, sale.refund_reason,
        Refund.Status.SUCCEEDED if done is not None else Refund.Status.PENDING, "", "", actor,
        "", sale.refund_at,
    ))
    common = {"payment_id": payment_id, "refund_id": refund_id, "amount": sale.refund_amount,
              **of_order}
    split = rupiah_split(sale.refund_amount, sale_details(sale.lines)["categories"])
    rows.events.append(_event(Kind.REFUND_REQUESTED, sale.refund_at, actor_id=actor,
                              status=sale.status_at(sale.refund_at), note=sale.refund_reason,
                              data=json.dumps({"categories": split}), **common))
    if done is None:
        return
    settled_in_cash = sale.method == PaymentMethod.COD
    rows.events.append(_event(
        Kind.REFUND_SUCCEEDED, done, status=sale.status_at(done),
        data=json.dumps({"settled_by": "cooperative"}) if settled_in_cash else "{}", **common,
    ))


def batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, size):
        yield first, min(size, total - first)
