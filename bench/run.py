"""Server-time benchmark of the API, in process: `make bench` (or `.venv/bin/python bench/run.py`).

Uses DATABASE_URL (default: PostgreSQL database `pasar_bench` on 127.0.0.1,
created and migrated if missing), then sends each case's requests through
Django's test client (the whole middleware and view stack, no network) and
prints median, p95 and p99, requests per second, the ratio to the trivial
/healthz baseline and the SQL queries per request.

Cases are a list of named `Case`s (bench/harness.py) built per area
(`baseline_cases`, `catalog_cases`, `checkout_cases`,
`monitoring.monitoring_cases` and `pages.pages_cases`), each builder listed in
`case_builders`. The data a case needs is made by its `prepare`, so only the
selected areas seed theirs: the catalog tops up to --products products
(`manage.py seed_bulk`), the buyer pages seed the demo market (`seed_demo`), the
monitoring tops the synthetic order history up to each --orders count in turn
(`manage.py seed_sales_history`), and everything selected is measured at each.
`--only notifications` measures the celery worker's e-mail notifications instead
(bench/notifications.py).
"""

import argparse
import datetime
import os
import random
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from harness import Case, Result, get, measure, say, table
from monitoring import monitoring_cases, monitoring_report
from notifications import notifications_bench
from pages import pages_cases, pages_report

ROOT = Path(__file__).absolute().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pasar_bench"


def products_url(**query) -> str:
    return f"/api/v1/products/?{urlencode(query)}" if query else "/api/v1/products/"


def baseline_cases(context: dict) -> list[Case]:
    return [get("baseline GET /healthz", "/healthz")]


def catalog_cases(context: dict) -> list[Case]:
    ids: list[int] = []  # sampled once the catalog is seeded, by the first case measured

    def prepare(client) -> None:
        if not ids:
            catalog_ensure(context["products"])
            ids[:] = product_ids_sample(500, seed=context["seed"])

    def catalog_get(name: str, path) -> Case:
        return get(name, path, prepare=prepare)

    return [
        catalog_get("list, first page", products_url()),
        catalog_get("list, category kopi-teh", products_url(category="kopi-teh")),
        catalog_get("detail, random id", lambda rng: f"/api/v1/products/{rng.choice(ids)}/"),
        catalog_get("search q=kopi", products_url(q="kopi")),
        catalog_get("search q=lada putih", products_url(q="lada putih")),
        catalog_get("search q=menganyam (stem)", products_url(q="menganyam")),
        catalog_get("search q=kopii (typo)", products_url(q="kopii")),
        catalog_get("search q=madu kelulut", products_url(q="madu kelulut")),
        catalog_get("search q=sepatu (no hits)", products_url(q="sepatu")),
        catalog_get(
            "search q=kopi + category kopi-teh", products_url(q="kopi", category="kopi-teh")
        ),
        catalog_get(
            "search q=anyaman + category kerajinan", products_url(q="anyaman", category="kerajinan")
        ),
    ]


# Checkout: one buyer, two cooperatives, three products each (seeded by checkout_data_ensure).
BENCH_BUYER_EMAIL = "bench-buyer@pasar.test"
BENCH_NIK_PREFIX = "61078"  # seed_demo's NIKs start 61070 and seed_bulk's 61079
BENCH_COOPERATIVES = 2
BENCH_LINES_PER_COOPERATIVE = 3
BENCH_ADDRESS = {
    "name": "Pembeli Uji Kinerja",
    "phone": "081200000000",
    "line1": "Jl. Raya Bengkayang No. 1",
    "city": "Bengkayang",
    "postal_code": "79211",
}


@dataclass(frozen=True)
class CheckoutData:
    buyer_pk: int
    token: str
    variant_pks: list[int]


def checkout_cases(context: dict) -> list[Case]:
    """Checkout (2 cooperatives x 3 lines), its idempotent replay, and the buyer's orders."""
    made: list[CheckoutData] = []  # by the first case measured

    def data(client=None) -> CheckoutData:
        if not made:
            made.append(checkout_data_ensure())
        return made[0]

    def auth() -> dict:
        return {"HTTP_AUTHORIZATION": f"Token {data().token}"}

    def place(client, key: str):
        body = {
            "items": [{"variant": pk, "quantity": 1} for pk in data().variant_pks],
            "shipping_address": BENCH_ADDRESS,
            "payment_method": "bank_transfer",
        }
        return client.post(
            "/api/v1/checkout/",
            body,
            content_type="application/json",
            HTTP_ACCEPT="application/json",
            HTTP_IDEMPOTENCY_KEY=key,
            **auth(),
        )

    def orders_get(client, url: str):
        return client.get(url, HTTP_ACCEPT="application/json", **auth())

    replay_key = f"bench-replay-{uuid.uuid4().hex}"

    def replay_prepare(client) -> None:
        first, again = place(client, replay_key), place(client, replay_key)
        if first.status_code != 201 or again.json() != first.json():
            raise SystemExit(f"checkout replay: HTTP {first.status_code}, then a different answer")

    numbers: list[str] = []  # of the buyer's orders, once the checkout cases made some

    def orders_prepare(client) -> None:
        from django.db import connection

        from orders.models import Order

        orders = Order.objects.filter(buyer_id=data().buyer_pk)
        while orders.count() < 20:
            if place(client, f"bench-{uuid.uuid4().hex}").status_code != 201:
                raise SystemExit("checkout for the order cases failed")
        numbers[:] = orders.order_by("-pk").values_list("number", flat=True)[:200]
        if connection.vendor == "postgresql":
            # The checkouts just added their rows; without fresh statistics the planner
            # sorts all the buyer's orders instead of walking the (buyer, created_at) index.
            with connection.cursor() as cursor:
                cursor.execute(
                    "ANALYZE orders_checkout, orders_order, orders_orderline, "
                    "events_event, payments_payment"
                )

    return [
        Case(
            name="checkout, 2 coops x 3 lines, new key",
            send=lambda client, rng: place(client, f"bench-{uuid.uuid4().hex}"),
            expected_status=201,
            prepare=data,
        ),
        Case(
            name="checkout replay (same key)",
            send=lambda client, rng: place(client, replay_key),
            expected_status=201,
            prepare=replay_prepare,
        ),
        Case(
            name="orders, buyer's list",
            send=lambda client, rng: orders_get(client, "/api/v1/orders/"),
            prepare=orders_prepare,
        ),
        Case(
            name="order detail, random number",
            send=lambda client, rng: orders_get(client, f"/api/v1/orders/{rng.choice(numbers)}/"),
            prepare=orders_prepare,
        ),
    ]


def checkout_data_ensure() -> CheckoutData:
    """The bench buyer and what it buys, created once; the variants restocked every run.

    Two verified cooperatives with a shipping option each and three active
    products each, every variant with the largest stock allowed, so checkouts
    never run out.
    """
    from django.db import transaction
    from knox.models import AuthToken

    from catalog.models import MAX_STOCK, Category, Product, Variant
    from catalog.search import product_search_refresh
    from market.models import Cooperative, Region, User
    from orders.models import ShippingOption

    with transaction.atomic():
        buyer, _created = User.objects.get_or_create(
            email=BENCH_BUYER_EMAIL, defaults={"name": "Pembeli Uji Kinerja"}
        )
        # Only a hash is stored, so each run logs in afresh (a day is plenty for a run).
        AuthToken.objects.filter(user=buyer).delete()
        _token, token_key = AuthToken.objects.create(buyer, expiry=datetime.timedelta(days=1))
        district = Region.objects.filter(parent__code="61.07").order_by("code").first()
        category = Category.objects.get(slug="makanan-olahan")
        variant_pks = []
        for number in range(1, BENCH_COOPERATIVES + 1):
            cooperative, created = Cooperative.objects.get_or_create(
                nik=f"{BENCH_NIK_PREFIX}{number:011d}",
                defaults={
                    "name": f"Koperasi Uji Kinerja {number}",
                    "slug": f"koperasi-uji-kinerja-{number}",
                    "legal_number": f"{number}/BH/UJI/2026",
                    "kind": Cooperative.Kind.PEMASARAN,
                    "region": district,
                    "address": "Jl. Raya Bengkayang",
                    "phone": "081200000000",
                    "status": Cooperative.Status.VERIFIED,
                    "status_note": "Data uji kinerja (bench/run.py)",
                },
            )
            if created:
                ShippingOption.objects.create(
                    cooperative=cooperative, name="Antar lokal", kind="delivery", fee=10_000
                )
            for line in range(1, BENCH_LINES_PER_COOPERATIVE + 1):
                product, created = Product.objects.get_or_create(
                    slug=f"paket-uji-kinerja-{number}-{line}",
                    defaults={
                        "cooperative": cooperative,
                        "name": f"Paket Uji Kinerja {number}-{line}",
                        "description": "Barang uji kinerja checkout (bench/run.py).",
                        "category": category,
                        "unit": Product.Unit.PCS,
                        "weight_grams": 250,
                        "status": Product.Status.ACTIVE,
                        "price": 10_000 * line,
                    },
                )
                if created:
                    product_search_refresh(Product.objects.filter(pk=product.pk))
                variant, _created = Variant.objects.get_or_create(
                    cooperative=cooperative,
                    sku=f"UJI-{number}-{line}",
                    defaults={"product": product, "name": "1 paket", "price": 10_000 * line},
                )
                variant_pks.append(variant.pk)
        Variant.objects.filter(pk__in=variant_pks).update(stock=MAX_STOCK)
    return CheckoutData(buyer_pk=buyer.pk, token=token_key, variant_pks=variant_pks)


case_builders: list[Callable[[dict], list[Case]]] = [
    baseline_cases,
    catalog_cases,
    checkout_cases,
    monitoring_cases,
    pages_cases,
]
# Printed after each stage's table: (context, results) -> text, empty when nothing to say.
stage_reports: list[Callable[[dict, list[Result]], str]] = [monitoring_report, pages_report]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--products",
        type=int,
        default=100_000,
        help="seed the synthetic catalog up to this many products",
    )
    parser.add_argument(
        "--orders",
        type=int,
        nargs="+",
        default=[100_000],
        metavar="N",
        help="monitoring: the synthetic order history, topped up to each count in turn and "
        "measured at each (e.g. --orders 100000 1000000)",
    )
    parser.add_argument("--iterations", type=int, default=100, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per case first")
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--notifications", type=int, default=2_000,
        help="--only notifications: e-mail deliveries per measurement",
    )
    parser.add_argument(
        "--concurrency", type=int, nargs="+", default=[4, 1], metavar="N",
        help="--only notifications: the worker's concurrency, measured at each",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DEBUG", "1")  # the built-in SECRET_KEY; no HTTPS redirect
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "market.settings")
    # The rate limits stay in the measured path (their cache round trips count), but one
    # client in sequence must not hit them.
    for limit in ("THROTTLE_CHECKOUT_USER", "THROTTLE_CHECKOUT_CLIENT"):
        os.environ.setdefault(limit, "1000000/minute")
    sys.path.insert(0, str(ROOT))
    database_create_if_missing(os.environ["DATABASE_URL"])
    if args.only.lower() == "notifications":
        # Not a request case: a worker, a broker and an SMTP server (bench/notifications.py).
        return notifications_bench(args)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    say(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    if connection.vendor != "postgresql":
        say("warning: not PostgreSQL, so search runs its plain fallback; figures mean little")
    call_command("migrate", verbosity=0)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    context = {"products": args.products, "seed": args.seed, "iterations": args.iterations}
    cases = [
        case
        for build in case_builders
        for case in build(context)
        if args.only.lower() in case.name.lower() or case.name.startswith("baseline")
    ]
    client = Client()
    rng = random.Random(args.seed)
    for orders in args.orders:
        context["orders"] = orders
        if len(args.orders) > 1:
            say(f"\n=== stage: {orders:,} synthetic orders ===")
        say(f"{args.iterations} requests per case after {args.warmup} warm-up requests\n")
        results = [measure(client, case, rng, args.iterations, args.warmup) for case in cases]
        say(table(results))
        for report in stage_reports:
            text = report(context, results)
            if text:
                say(f"\n{text}")
    return 0


def database_create_if_missing(url: str) -> None:
    import dj_database_url

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    import psycopg
    from psycopg import sql

    with psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    ) as connection:
        name = config["NAME"]
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        say(f"creating database {name}")
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def catalog_ensure(products: int) -> None:
    from django.core.management import call_command

    from catalog.models import Product

    present = Product.objects.count()
    say(f"catalog: {present:,} products")
    if present < products:
        say(f"seeding {products - present:,} synthetic products (seed_bulk)")
        call_command("seed_bulk", products=products - present)


def product_ids_sample(count: int, *, seed: int) -> list[int]:
    """Ids of products in the market (active, of verified cooperatives), sampled evenly."""
    from catalog.models import Product
    from market.models import Cooperative

    ids = list(
        Product.objects.filter(
            status=Product.Status.ACTIVE, cooperative__status=Cooperative.Status.VERIFIED
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not ids:
        raise SystemExit("No product in the market: seed the catalog first.")
    return random.Random(seed).sample(ids, min(count, len(ids)))


if __name__ == "__main__":
    sys.exit(main())
