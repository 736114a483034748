"""Server-time benchmark of the API, in process: `make bench` (or `.venv/bin/python bench/run.py`).

Uses DATABASE_URL (default: PostgreSQL database `pasar_bench` on 127.0.0.1,
created and migrated if missing), makes sure the synthetic catalog holds at
least --products products (`manage.py seed_bulk`), then sends each case's
requests through Django's test client (the whole middleware and view stack, no
network) and prints median, p95, requests per second, the ratio to the trivial
/healthz baseline and the SQL queries per request.

Cases are a list of named `Case`s built per area (`baseline_cases`,
`catalog_cases`); a later area (checkout) adds its own builder to `case_builders`.
"""

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).absolute().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pasar_bench"


@dataclass(frozen=True)
class Case:
    """One kind of request; `send` makes one request with the client (and a random source)."""

    name: str
    send: Callable  # (client, rng) -> HttpResponse
    expected_status: int = 200


@dataclass(frozen=True)
class Result:
    case: Case
    median_ms: float
    p95_ms: float
    per_second: float
    queries: int
    results: str


def get(name: str, path: Callable[[random.Random], str] | str) -> Case:
    """A GET case; `path` may depend on the random source (random ids)."""

    def send(client, rng):
        url = path(rng) if callable(path) else path
        return client.get(url, HTTP_ACCEPT="application/json")

    return Case(name=name, send=send)


def products_url(**query) -> str:
    return f"/api/v1/products/?{urlencode(query)}" if query else "/api/v1/products/"


def baseline_cases(context: dict) -> list[Case]:
    return [get("baseline GET /healthz", "/healthz")]


def catalog_cases(context: dict) -> list[Case]:
    ids = context["product_ids"]
    return [
        get("list, first page", products_url()),
        get("list, category kopi-teh", products_url(category="kopi-teh")),
        get("detail, random id", lambda rng: f"/api/v1/products/{rng.choice(ids)}/"),
        get("search q=kopi", products_url(q="kopi")),
        get("search q=lada putih", products_url(q="lada putih")),
        get("search q=menganyam (stem)", products_url(q="menganyam")),
        get("search q=kopii (typo)", products_url(q="kopii")),
        get("search q=madu kelulut", products_url(q="madu kelulut")),
        get("search q=sepatu (no hits)", products_url(q="sepatu")),
        get("search q=kopi + category kopi-teh", products_url(q="kopi", category="kopi-teh")),
        get(
            "search q=anyaman + category kerajinan", products_url(q="anyaman", category="kerajinan")
        ),
    ]


case_builders: list[Callable[[dict], list[Case]]] = [baseline_cases, catalog_cases]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--products",
        type=int,
        default=100_000,
        help="seed the synthetic catalog up to this many products",
    )
    parser.add_argument("--iterations", type=int, default=100, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=10, help="untimed requests per case first")
    parser.add_argument("--only", default="", help="run only cases whose name contains this")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DEBUG", "1")  # the built-in SECRET_KEY; no HTTPS redirect
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "market.settings")
    sys.path.insert(0, str(ROOT))
    database_create_if_missing(os.environ["DATABASE_URL"])

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
    catalog_ensure(args.products)

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    context = {"product_ids": product_ids_sample(500, seed=args.seed)}
    cases = [
        case
        for build in case_builders
        for case in build(context)
        if args.only.lower() in case.name.lower() or case.name.startswith("baseline")
    ]
    client = Client()
    rng = random.Random(args.seed)
    say(f"{args.iterations} requests per case after {args.warmup} warm-up requests\n")
    results = [measure(client, case, rng, args.iterations, args.warmup) for case in cases]
    say(table(results))
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


def measure(client, case: Case, rng: random.Random, iterations: int, warmup: int) -> Result:
    from django.db import connection, reset_queries

    queries = []  # counted by a wrapper: the request itself resets connection.queries

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = case.send(client, rng)
    if response.status_code != case.expected_status:
        raise SystemExit(f"{case.name}: HTTP {response.status_code}: {response.content[:300]!r}")
    body = (
        response.json() if response.get("Content-Type", "").startswith("application/json") else {}
    )
    results = str(body["count"]) if isinstance(body, dict) and "count" in body else ""
    for _ in range(warmup):
        case.send(client, rng)
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        case.send(client, rng)
        timings.append(time.perf_counter() - started)
        reset_queries()
    timings.sort()
    return Result(
        case=case,
        median_ms=statistics.median(timings) * 1000,
        p95_ms=timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))] * 1000,
        per_second=len(timings) / sum(timings),
        queries=len(queries),
        results=results,
    )


def table(results: list[Result]) -> str:
    baseline = results[0].median_ms
    header = (
        f"{'case':<40} {'median ms':>9} {'p95 ms':>8} {'req/s':>7} {'× base':>7} "
        f"{'queries':>7} {'results':>8}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        lines.append(
            f"{result.case.name:<40} {result.median_ms:>9.2f} {result.p95_ms:>8.2f} "
            f"{result.per_second:>7.0f} {result.median_ms / baseline:>7.1f} "
            f"{result.queries:>7} {result.results:>8}"
        )
    return "\n".join(lines)


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
