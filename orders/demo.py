"""A year of demo orders for the trading cooperatives, in every status.

Orders are placed and moved through the real services, each told the time it
is meant to have happened (`now=`), so the events they record build the daily
sales figures the dinas sees. What sells when follows Bengkayang: pepper and
coffee in their harvest months, a rush before Lebaran and Natal, a handful of
cooperatives with most of the trade, and a few that stopped selling months ago.
A fifth of the delivered lines get their buyer's review, so products show ratings.
Idempotent: skipped when demo orders exist.
"""

import datetime
import random
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from catalog.models import Product, Variant
from catalog.selectors import REVIEWABLE_ORDER_STATUSES
from catalog.services import review_create
from market.demo import DEMO_BUYER_EMAIL, active_demo_cooperatives, demo_user
from market.models import Cooperative, Membership, User
from market.notifications.kinds import notifications_silenced
from orders.models import Checkout, Order, OrderLine, ShippingOption
from orders.services import lifecycle
from orders.services.checkout import checkout_place
from payments import settlement

DEMO_BUYERS = 40
CHECKOUTS = 400  # ~680 orders; each goes through the real services (~20 ms)
DAYS = 365
# Checkouts of the last two weeks, some still under way: every status has orders to show.
RECENT_SHARE = 0.1
RECENT = datetime.timedelta(days=14)
STEPS = ["paid", "accepted", "shipped", "delivered", "completed"]
ADDRESS_CITIES = ["Bengkayang", "Singkawang", "Pontianak", "Sanggau Ledo", "Seluas", "Ledo"]

# How much a category sells each month (January first) against an ordinary month; others
# sell evenly all year (karet is tapped, anyaman woven, whatever the season).
HARVEST = {
    # West Kalimantan's pepper is picked April-August, most of it in June and July.
    "lada": (0.3, 0.3, 0.4, 1.5, 3.0, 4.0, 4.0, 3.0, 1.0, 0.4, 0.3, 0.3),
    # The robusta of the Ledo and Sanggau Ledo hills ripens May-August.
    "kopi-teh": (0.4, 0.4, 0.4, 1.0, 3.0, 3.5, 3.5, 3.0, 1.0, 0.4, 0.4, 0.4),
}
EVEN = (1.0,) * 12
# Buyers stock up in the two weeks before Idul Fitri and before Natal, which most of
# Bengkayang's Dayak families keep. Lebaran by the government's calendar.
LEBARAN = [datetime.date(2025, 3, 31), datetime.date(2026, 3, 20), datetime.date(2027, 3, 10),
           datetime.date(2028, 2, 27), datetime.date(2029, 2, 14)]
HOLIDAY_RUSH = datetime.timedelta(days=14)
HOLIDAY_DEMAND = 1.8
# The best-known sellers (the first trading cooperative of each name): pepper, coffee,
# a produce trader, rattan and the big credit union. Between them they take
# LEADERS_SHARE of the trade, the n-th 1/n of the first's (Zipf's law); the other
# cooperatives share the rest, some three times as much as others.
LEADERS = ["Lada Sejahtera", "Kopi Borneo", "Hasil Bumi", "Rotan Mandiri",
           "Credit Union Pancur Kasih"]
LEADERS_SHARE = 0.4
# Other trading cooperatives that stopped selling 120-300 days ago, so the dinas sees
# verified, stocked cooperatives among the inactive ones.
LAPSED_TOTAL = 6
LAPSED_DAYS = (120, 300)
# Buyers review about one delivered line in five, mostly kindly, within three days.
REVIEW_SHARE = 0.2
REVIEW_RATINGS = (5, 5, 5, 4, 4, 4, 3, 2, 1)
REVIEW_TEXTS = ["", "", "Barangnya bagus, sesuai foto.", "Pengiriman cepat, dikemas rapi.",
                "Rasanya mantap, akan beli lagi.", "Kualitasnya lumayan untuk harganya.",
                "Agak lama sampainya, tapi barangnya baik.", "Kurang segar waktu sampai."]


def seed_orders(*, checkouts: int = CHECKOUTS,
                progress: Callable[[str], None] | None = None) -> int:
    """Place the demo order history; returns how many orders exist afterwards.

    `progress` is told how far it got every tenth of the checkouts.
    """
    if Checkout.objects.filter(idempotency_key__startswith="demo-").exists():
        return Order.objects.count()
    # One transaction: a commit (and an fsync on SQLite) per service call takes a minute.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        _seed_orders(random.Random(2611), checkouts, progress)
        _seed_reviews(random.Random(1402))
    return Order.objects.count()


def _seed_orders(rng: random.Random, checkouts: int,
                 progress: Callable[[str], None] | None) -> None:
    cooperatives = list(active_demo_cooperatives())
    for cooperative in cooperatives:
        if not cooperative.shipping_options.exists():
            ShippingOption.objects.bulk_create([
                ShippingOption(cooperative=cooperative, name="Ambil di koperasi", kind="pickup"),
                ShippingOption(cooperative=cooperative, name="Antar lokal", kind="delivery",
                               fee=rng.choice([5_000, 10_000, 15_000])),
            ])
    # The demo's buyer login is one of them, so it has orders (and notifications) to show.
    buyers = [User.objects.get(email=DEMO_BUYER_EMAIL),
              *(_buyer(n) for n in range(1, DEMO_BUYERS))]
    staff = {m.cooperative_id: m.user for m in Membership.objects.filter(
        cooperative__in=cooperatives, role=Membership.Role.OWNER)}
    market = _Market.of(cooperatives, rng)
    if not market.variants:
        return
    now = timezone.now()
    every = max(1, checkouts // 10)
    for number in range(checkouts):
        placed_at = _placed_at(rng, market, now)
        # The last two weeks notify their buyers and staff as they would today; older
        # history tells nobody.
        with nullcontext() if now - placed_at < RECENT else notifications_silenced():
            _demo_checkout(number, rng, rng.choice(buyers), market, staff, placed_at,
                           age=now - placed_at)
        if progress is not None and ((number + 1) % every == 0 or number + 1 == checkouts):
            progress(f"  {number + 1}/{checkouts} checkouts placed, "
                     f"{Order.objects.count()} orders ({(number + 1) * 100 // checkouts}%)")


@dataclass(frozen=True)
class _Market:
    """Who sells what when: each variant's chance by month, and each month's demand."""

    variants: list[tuple[int, int]]  # (variant pk, cooperative pk), in a fixed order
    cum_weights: dict[int, list[float]]  # by month: the variants' cumulative weights
    demand: dict[int, float]  # by month: how much the whole market sells
    lapsed: dict[int, datetime.timedelta]  # cooperative pk: sells only orders older than this

    @classmethod
    def of(cls, cooperatives: list[Cooperative], rng: random.Random) -> "_Market":
        leaders = _leaders(cooperatives)
        others = [cooperative for cooperative in cooperatives if cooperative not in leaders]
        popularity = _popularity(leaders, others, rng)
        lapsed = {
            cooperative.pk: datetime.timedelta(days=rng.randint(*LAPSED_DAYS))
            for cooperative in rng.sample(others, min(LAPSED_TOTAL, len(others)))
        }
        rows = list(  # in a fixed order, so that the same seed gives the same history
            Variant.objects.filter(
                cooperative__in=cooperatives, product__status=Product.Status.ACTIVE, stock__gt=5
            ).order_by("pk").values_list("pk", "cooperative_id", "product__category__slug")
        )
        offered = Counter(cooperative_pk for _pk, cooperative_pk, _slug in rows)
        cum_weights, demand = {}, {}
        for month in range(1, 13):
            total, cumulative = 0.0, []
            for _pk, cooperative_pk, slug in rows:  # a cooperative's chance shared by its goods
                total += (popularity[cooperative_pk] / offered[cooperative_pk]
                          * HARVEST.get(slug, EVEN)[month - 1])
                cumulative.append(total)
            cum_weights[month], demand[month] = cumulative, total
        return cls(variants=[(pk, cooperative_pk) for pk, cooperative_pk, _slug in rows],
                   cum_weights=cum_weights, demand=demand, lapsed=lapsed)

    def demand_on(self, day: datetime.date) -> float:
        return self.demand[day.month] * (HOLIDAY_DEMAND if _before_holiday(day) else 1.0)

    @property
    def peak_demand(self) -> float:
        return max(self.demand.values()) * HOLIDAY_DEMAND

    def pick(self, rng: random.Random, month: int, age: datetime.timedelta,
             count: int) -> list[int]:
        """Up to `count` different variants, by the month's chances, of cooperatives that
        still sold when a checkout of `age` was placed."""
        picked: list[int] = []
        for _attempt in range(10 * count):
            pk, cooperative_pk = rng.choices(self.variants, cum_weights=self.cum_weights[month])[0]
            if pk not in picked and age > self.lapsed.get(cooperative_pk, datetime.timedelta()):
                picked.append(pk)
                if len(picked) == count:
                    break
        return picked


def _leaders(cooperatives: list[Cooperative]) -> list[Cooperative]:
    """The first trading cooperative named after each of LEADERS, best seller first."""
    leaders: list[Cooperative] = []
    for stem in LEADERS:
        leader = next((c for c in cooperatives if stem in c.name and c not in leaders), None)
        if leader is not None:
            leaders.append(leader)
    return leaders


def _popularity(leaders: list[Cooperative], others: list[Cooperative],
                rng: random.Random) -> dict[int, float]:
    """Each cooperative's share of the trade, by cooperative pk."""
    zipf = [1 / rank for rank in range(1, len(leaders) + 1)]
    spread = [rng.uniform(0.5, 1.5) for _cooperative in others]
    shares = {cooperative.pk: LEADERS_SHARE * weight / sum(zipf)
              for cooperative, weight in zip(leaders, zipf, strict=True)}
    shares.update({cooperative.pk: (1 - LEADERS_SHARE) * weight / sum(spread)
                   for cooperative, weight in zip(others, spread, strict=True)})
    return shares


def _before_holiday(day: datetime.date) -> bool:
    natal = datetime.date(day.year, 12, 25)
    return any(datetime.timedelta() < holiday - day <= HOLIDAY_RUSH
               for holiday in [*LEBARAN, natal])


def _placed_at(rng: random.Random, market: _Market, now: datetime.datetime) -> datetime.datetime:
    """When a checkout happened: more of them lately, and on the days the market buys more."""
    while True:
        at = now - _age(rng)
        if rng.random() * market.peak_demand < market.demand_on(timezone.localdate(at)):
            return at


def _age(rng: random.Random) -> datetime.timedelta:
    """How long ago a checkout may have happened: within the year, more of them lately."""
    if rng.random() < RECENT_SHARE:
        return RECENT * rng.random() ** 2  # most in the last few days
    days_ago = int(DAYS * (1 - rng.random() ** 0.55))
    return datetime.timedelta(days=days_ago, minutes=rng.randint(0, 600))


def _step_times(age: datetime.timedelta) -> dict[str, datetime.timedelta]:
    """When each step happens after the checkout, squeezed into the order's age."""
    window = datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS)
    after = {"paid": datetime.timedelta(hours=1), "accepted": datetime.timedelta(hours=3),
             "shipped": datetime.timedelta(days=1), "delivered": datetime.timedelta(days=3)}
    after["completed"] = after["delivered"] + window + datetime.timedelta(hours=1)
    scale = min(1.0, 0.95 * age / after["completed"])
    return {step: offset * scale for step, offset in after.items()}


def _demo_checkout(number, rng, buyer, market: _Market, staff,
                   placed_at: datetime.datetime, age: datetime.timedelta) -> None:
    chosen = market.pick(rng, timezone.localdate(placed_at).month, age,
                         count=rng.choice([1, 1, 2, 3]))
    items = [{"variant": pk, "quantity": rng.randint(1, 3)} for pk in chosen]
    in_stock = set(Variant.objects.filter(pk__in=chosen, stock__gte=3).values_list("pk", flat=True))
    items = [item for item in items if item["variant"] in in_stock]
    if not items:
        return
    method = rng.choice(["bank_transfer", "bank_transfer", "cod"])
    checkout = checkout_place(
        buyer=buyer,
        idempotency_key=f"demo-{number}",
        shipping_address={"name": buyer.name, "phone": "081200000000",
                          "line1": f"Jl. Demo No. {number}",
                          "city": rng.choice(ADDRESS_CITIES), "postal_code": "79211"},
        payment_method=method,
        items=items,
        now=placed_at,
    )
    for order in checkout.orders.order_by("pk"):
        _advance(order, rng, staff[order.cooperative_id], age, placed_at)


def _advance(order: Order, rng: random.Random, cooperative_staff: User,
             age: datetime.timedelta, placed_at: datetime.datetime) -> None:
    """Move an order as far as its age makes likely; a few are cancelled."""
    at = {step: placed_at + offset for step, offset in _step_times(age).items()}
    if rng.random() < 0.07:
        lifecycle.order_cancel(order_pk=order.pk, actor=order.buyer, reason="Berubah pikiran",
                               now=at["paid"])
        return
    for step in STEPS[:_reach(order, rng, age)]:
        if step == "paid" and order.payment_method == "bank_transfer":
            settlement.payment_paid(payment_pk=order.checkout.payment.pk, now=at[step])
        elif step == "accepted":
            lifecycle.order_accept(order_pk=order.pk, actor=cooperative_staff, now=at[step])
        elif step == "shipped":
            lifecycle.order_ship(order_pk=order.pk, actor=cooperative_staff, carrier="JNE",
                                 tracking_number=f"JNE{order.pk:08d}", now=at[step])
        elif step == "delivered":
            lifecycle.order_deliver(order_pk=order.pk, actor=order.buyer, now=at[step])
        elif step == "completed":
            lifecycle.order_complete(order_pk=order.pk, now=at[step])


def _reach(order: Order, rng: random.Random, age: datetime.timedelta) -> int:
    """How many STEPS an order this old has made: all once past RECENT.

    A recent order rests only where the periodic jobs would not yet have moved it
    on (unpaid past the payment timeout, shipped past auto-delivery, delivered
    past the return window), and is completed only after the return window.
    """
    if age > RECENT:
        return len(STEPS)
    return_window = datetime.timedelta(days=settings.ORDER_RETURN_WINDOW_DAYS)
    moved_on_after = {
        0: datetime.timedelta(hours=settings.ORDER_PAYMENT_TIMEOUT_HOURS),
        3: datetime.timedelta(days=settings.ORDER_AUTO_DELIVER_DAYS),
        4: return_window,
    }
    if order.payment_method == "cod":
        del moved_on_after[0]  # cash on delivery is paid at the door, never expires
    reaches = [
        reach for reach in range(len(STEPS))
        if reach not in moved_on_after or age < moved_on_after[reach]
    ]
    if age >= return_window:
        reaches.append(len(STEPS))
    return rng.choice(reaches)


def _seed_reviews(rng: random.Random) -> None:
    """Reviews of a share of the delivered demo lines, through the service a buyer uses."""
    now = timezone.now()
    lines = (
        OrderLine.objects.filter(order__checkout__idempotency_key__startswith="demo-",
                                 order__status__in=REVIEWABLE_ORDER_STATUSES,
                                 variant__isnull=False)
        .select_related("order__buyer").order_by("pk")
    )
    for line in lines:
        if rng.random() >= REVIEW_SHARE:
            continue
        written_at = line.order.delivered_at + datetime.timedelta(hours=rng.uniform(1, 72))
        review_create(buyer=line.order.buyer, order_line_pk=line.pk,
                      rating=rng.choice(REVIEW_RATINGS), text=rng.choice(REVIEW_TEXTS),
                      now=min(written_at, now))


def _buyer(number: int) -> User:
    return demo_user(f"pembeli{number + 1:02d}@pasar.test", f"Pembeli {number + 1:02d}")
