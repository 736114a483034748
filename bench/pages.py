"""The buyer pages (issue 12): server time, bytes over the wire and SQL queries.

`.venv/bin/python bench/run.py --only pages --iterations 50`. Seeds the demo market
once (`manage.py seed_demo`, when its trading cooperatives have no products yet), then
sends each page through Django's test client as a phone's browser asks for it (HTML,
gzip): the home page, search for "kopi" and "kopii" (a typo) and with filters, a random
product of the demo and a random storefront. Beside them, from the same run: the trivial
`/healthz` (run.py's baseline) and the layout alone (the cooperatives list with a search
that finds nothing: base.html and a form). After the table, `pages_report` prints each
page's gzip bytes, HTML alone and with every stylesheet and script the HTML loads (as
WhiteNoise serves them, gzip -9), against the budget (60 KB, 50 ms at the median), and
the median CPU time of a request, which a busy machine's wait for a core does not inflate.
"""

import gzip
import io
import re
import statistics
import time

from harness import Case, Result, say

BUDGET_BYTES = 60 * 1024
BUDGET_MEDIAN_MS = 50
PREFIX = "pages: "
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def page_get(client, url: str):
    return client.get(url, HTTP_ACCEPT="text/html", HTTP_ACCEPT_ENCODING="gzip")


def pages_cases(context: dict) -> list[Case]:
    demo: dict[str, list] = {}  # product ids and storefront slugs, once the demo is seeded

    def prepare(client) -> None:
        if not demo:
            demo.update(demo_ensure())

    def page(name: str, path) -> Case:
        def send(client, rng):
            return page_get(client, path(rng) if callable(path) else path)

        return Case(name=PREFIX + name, send=send, prepare=prepare)

    return [
        page("layout only (no cooperative found)", "/cooperatives/?q=tidak-ada-sama-sekali"),
        page("home", "/"),
        page("search q=kopi", "/search/?q=kopi"),
        page("search q=kopii (typo)", "/search/?q=kopii"),
        page("search, category + in stock + price", "/search/?category=makanan-minuman"
             "&in_stock=1&min_price=20.000&sort=price"),
        page("product, random", lambda rng: f"/products/{rng.choice(demo['products'])}/"),
        page("storefront, random", lambda rng: f"/cooperatives/{rng.choice(demo['slugs'])}/"),
    ]


def demo_ensure() -> dict[str, list]:
    """The demo market, seeded if missing; its products for sale and its trading cooperatives."""
    from django.core.management import call_command
    from django.db import connection

    from catalog.models import Product
    from catalog.stock import for_sale_q
    from market.demo import active_demo_cooperatives
    from market.models import Cooperative

    trading = active_demo_cooperatives().filter(status=Cooperative.Status.VERIFIED)
    if not Product.objects.filter(cooperative__in=trading).exists():
        say("seeding the demo market (manage.py seed_demo, about a minute)")
        call_command("seed_demo", stdout=io.StringIO())
    if connection.vendor == "postgresql":
        # Fresh rows without statistics: the planner expected one active product (of 355)
        # and joined each to every verified cooperative (8 ms for a storefront's count).
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE catalog_product, catalog_variant, catalog_productimage, catalog_review,"
                " market_cooperative, market_region, orders_shippingoption"
            )
    products = list(
        Product.objects.filter(for_sale_q(), cooperative__in=trading)
        .order_by("pk").values_list("pk", flat=True)
    )
    slugs = list(
        trading.filter(products__in=products).distinct().order_by("slug")
        .values_list("slug", flat=True)
    )
    if not products:
        raise SystemExit("pages: the demo market has no product for sale")
    return {"products": products, "slugs": slugs}


def transferred(response) -> tuple[int, int]:
    """Gzip bytes of the page, and of the page with every stylesheet and script it loads."""
    from django.conf import settings
    from django.contrib.staticfiles import finders

    sent = response.content
    html = gzip.decompress(sent) if response.get("Content-Encoding") == "gzip" else sent
    total = len(sent)
    for address in ASSET.findall(html.decode()):
        path = finders.find(address.removeprefix("/" + settings.STATIC_URL.lstrip("/")))
        if path:
            with open(path, "rb") as asset:
                total += len(gzip.compress(asset.read(), compresslevel=9))
    return len(sent), total


def pages_report(context: dict, results: list[Result]) -> str:
    """Each page's bytes and CPU time beside its server time, against the budget."""
    import random

    from django.test import Client

    pages = [result for result in results if result.case.name.startswith(PREFIX)]
    if not pages:
        return ""
    client, rng = Client(), random.Random(context["seed"])
    header = (f"{'page':<38} {'median ms':>9} {'p95 ms':>8} {'CPU ms':>7} {'queries':>7} "
              f"{'HTML gz B':>9} {'+CSS/JS gz B':>12}  budget")
    lines = [
        f"Pages against the budget ({BUDGET_BYTES // 1024} KB gzip of HTML+CSS+JS, "
        f"{BUDGET_MEDIAN_MS} ms median), beside {results[0].case.name} "
        f"({results[0].median_ms:.2f} ms). CPU ms: the median CPU time of the request in "
        "this process, which a busy machine's wait for a core does not inflate.",
        header, "-" * len(header),
    ]
    for result in pages:
        html_bytes, total = transferred(result.case.send(client, rng))
        within = total <= BUDGET_BYTES and result.median_ms <= BUDGET_MEDIAN_MS
        lines.append(
            f"{result.case.name.removeprefix(PREFIX):<38} {result.median_ms:>9.2f} "
            f"{result.p95_ms:>8.2f} {cpu_median_ms(result.case, client, rng, context):>7.2f} "
            f"{result.queries:>7} {html_bytes:>9,} {total:>12,}  {'ok' if within else 'OVER'}"
        )
    return "\n".join(lines)


def cpu_median_ms(case: Case, client, rng, context: dict) -> float:
    timings = []
    for _ in range(context["iterations"]):
        started = time.process_time()
        case.send(client, rng)
        timings.append(time.process_time() - started)
    return statistics.median(timings) * 1000
