import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.test import override_settings
from django.utils import timezone

from catalog.demo import seed_catalog
from market.demo import DEMO_PASSWORD, demo_figures, seed_market
from market.notifications.services import monthly_reports_send, notification_unread_count
from market.templatetags.money import rupiah
from orders.demo import seed_orders


class Command(BaseCommand):
    help = "Load the Bengkayang demo market (idempotent) and print the demo logins."

    def handle(self, *args, **options):
        # Stages and progress go to stdout as they happen: seeding takes a while.
        started = stage = time.monotonic()

        def took() -> str:
            nonlocal stage
            seconds, stage = time.monotonic() - stage, time.monotonic()
            return f"({seconds:.1f} s)"

        logins = seed_market()
        self.stdout.write(f"Market: the Bengkayang cooperatives and the demo logins {took()}")
        self.stdout.write("Catalog: products and photos of the trading cooperatives")
        catalog = seed_catalog(progress=self.stdout.write)
        self.stdout.write(
            f"Catalog: {catalog.products_total} products ({catalog.products_created} new) "
            f"{took()}"
        )
        self.stdout.write("Orders: a year of checkouts through the order services")
        orders = seed_orders(progress=self.stdout.write)
        self.stdout.write(f"Orders: {orders} orders over the last year {took()}")
        figures = demo_figures(today=timezone.localdate())
        self.stdout.write(
            f"Monitoring: {figures.cooperatives} cooperatives, {figures.rat_this_year} with "
            f"their RAT this year; {rupiah(figures.gross)} gross in the last year from "
            f"{figures.selling} cooperatives, {figures.top_five_share:.0%} of it from the top "
            f"five; {figures.inactive_trading} trading cooperatives without a sale in "
            f"{settings.MONITORING_ACTIVE_DAYS} days"
        )
        # Last month's report, as the beat job sends it on the 1st (once per month and region).
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            monthly_reports_send()
        unread = {user.email: notification_unread_count(user=user)
                  for user in (logins.buyer, logins.owner, logins.officer)}
        self.stdout.write(
            "Notifications: " + ", ".join(f"{email} {count} unread"
                                          for email, count in unread.items())
            + f" {took()}"
        )
        self.stdout.write(f"Demo seeded in {time.monotonic() - started:.1f} s")
        self.stdout.write(self.style.SUCCESS("Demo market ready: http://127.0.0.1:8000/"))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for role, user in [
            ("buyer", logins.buyer),
            ("cooperative owner", logins.owner),
            ("dinas officer", logins.officer),
            ("finance staff (/finance/)", logins.finance),
            ("platform admin (/admin/)", logins.admin),
        ]:
            self.stdout.write(f"  {role:<26} {user.email}")
