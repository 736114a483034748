import time

from django.core.management.base import BaseCommand

from catalog.demo import seed_catalog
from market.demo import DEMO_PASSWORD, seed_market
from orders.demo import seed_orders


class Command(BaseCommand):
    help = "Load the Bengkayang demo market (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        started = time.monotonic()
        logins = seed_market()
        catalog = seed_catalog()
        orders = seed_orders()
        self.stdout.write(
            f"Catalog: {catalog.products_total} products of the trading cooperatives "
            f"({catalog.products_created} new); {orders} orders over the last year; "
            f"demo seeded in {time.monotonic() - started:.1f} s"
        )
        self.stdout.write(self.style.SUCCESS("Demo market ready: http://127.0.0.1:8000/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for role, user in [
            ("buyer", logins.buyer),
            ("cooperative owner", logins.owner),
            ("dinas officer", logins.officer),
            ("platform admin (/admin/)", logins.admin),
        ]:
            self.stdout.write(f"  {role:<26} {user.email}")
