"""The dinas monitoring in bench/run.py: its endpoints against a synthetic order history.

`monitoring_cases` measures GET /monitoring/sales/ for the last 365 days grouped by
cooperative, month and category, and the registry GET /monitoring/cooperatives/, as a
platform admin and as a dinas officer of kabupaten Bengkayang (61.07), with Token auth.
Their `prepare` tops the synthetic history up to the stage's --orders count with
`manage.py seed_sales_history` in a child process (its own time and peak memory),
resetting it first when it holds more.

`monitoring_report`, after each stage's table: the generation, the DailySales and
MonthlySales rows, the same answers computed naively from the orders and refunds (timed,
checked equal, and the ratio to the endpoint), and the peak memory of the CSV and XLSX
exports of a row per cooperative per day over 730 days, each in a fresh process
(`python bench/monitoring.py export csv FROM TO FILE`, token in BENCH_TOKEN).
"""

import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from harness import Case, Result, percentile, say

ROOT = Path(__file__).absolute().parent.parent
ADMIN_EMAIL = "bench-admin@pasar.test"
OFFICER_EMAIL = "bench-dinas@pasar.test"
KABUPATEN = "61.07"  # Bengkayang: every synthetic cooperative lies in one of its kecamatan
SALES = "/api/v1/monitoring/sales/"
REGISTRY = "/api/v1/monitoring/cooperatives/"
YEAR_DAYS = 365
EXPORT_DAYS = 730
GROUPS = ("cooperative", "month", "category")
NAIVE_GROUPS = ("cooperative", "month")  # category: the split of shipping is not in the tables


@dataclass(frozen=True)
class Monitor:
    """Who asks: a platform admin, or the dinas officer of the kabupaten."""

    label: str
    user_pk: int
    token: str


def case_name(what: str, who: str) -> str:
    return f"monitoring {what}, {who}"


def monitoring_cases(context: dict) -> list[Case]:
    from django.db import connection
    from django.utils import timezone

    if connection.vendor != "postgresql":
        say("monitoring: PostgreSQL only (seed_sales_history writes with COPY); skipped")
        return []
    today = timezone.localdate()  # Asia/Jakarta
    year = {"from": (today - datetime.timedelta(days=YEAR_DAYS - 1)).isoformat(),
            "to": today.isoformat()}
    state = context.setdefault("monitoring", {"year": year, "today": today})

    def prepare(client) -> None:
        history_ensure(context)
        if "monitors" not in state:
            state["monitors"] = monitors_ensure()

    def case(what: str, who: str, path: str, query: dict) -> Case:
        def send(client, rng):
            token = state["monitors"][who].token
            return client.get(path, query, HTTP_ACCEPT="application/json",
                              HTTP_AUTHORIZATION=f"Token {token}")

        return Case(name=case_name(what, who), send=send, prepare=prepare)

    cases = []
    for who in ("admin", f"officer {KABUPATEN}"):
        cases += [case(f"sales by {group}", who, SALES, {**year, "group_by": group})
                  for group in GROUPS]
        cases.append(case("registry", who, REGISTRY, {}))
    return cases


def monitors_ensure() -> dict[str, Monitor]:
    """The platform admin and the officer of 61.07, made once, each with a fresh token."""
    from django.db import transaction
    from knox.models import AuthToken

    from market.models import DinasOfficer, Region, User

    with transaction.atomic():
        admin, _created = User.objects.get_or_create(
            email=ADMIN_EMAIL,
            defaults={"name": "Admin Uji Kinerja", "is_superuser": True, "is_staff": True},
        )
        officer, _created = User.objects.get_or_create(
            email=OFFICER_EMAIL, defaults={"name": "Petugas Dinas Uji Kinerja"}
        )
        dinas, _created = DinasOfficer.objects.get_or_create(
            user=officer, defaults={"title": "Pengawas Koperasi"}
        )
        dinas.regions.set([Region.objects.get(code=KABUPATEN)])
        # Only a hash is stored, so each run logs in afresh (a day is plenty for a run).
        AuthToken.objects.filter(user__in=[admin, officer]).delete()
        monitors = {}
        for label, user in (("admin", admin), (f"officer {KABUPATEN}", officer)):
            _token, key = AuthToken.objects.create(user, expiry=datetime.timedelta(days=1))
            monitors[label] = Monitor(label=label, user_pk=user.pk, token=key)
    return monitors


def history_ensure(context: dict) -> None:
    """The synthetic history at this stage's count: topped up, or reset and made anew."""
    from orders.management.commands.seed_sales_history import synthetic_orders

    state = context["monitoring"]
    wanted = context["orders"]
    if state.get("history") == wanted:
        return
    present = synthetic_orders().count()
    state["history"] = wanted
    if present == wanted:
        state["generation"] = f"history: {present:,} synthetic orders already (nothing generated)"
        return
    command = [sys.executable, "manage.py", "seed_sales_history", "--orders", str(wanted)]
    if present > wanted:
        command.append("--reset")
    say(f"sales history: {present:,} synthetic orders; {' '.join(command[1:])}")
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    summary = ""
    for line in process.stdout:
        say(f"  {line.rstrip()}")
        summary = line.strip() or summary
    if process.wait() != 0:
        raise SystemExit(f"seed_sales_history failed (exit {process.returncode})")
    state["generation"] = (
        f"history: {present:,} -> {wanted:,} synthetic orders in "
        f"{time.monotonic() - started:.0f} s wall\n  seed_sales_history: {summary}"
    )


# ---------------------------------------------------------------- the stage's report


def monitoring_report(context: dict, results: list[Result]) -> str:
    state = context.get("monitoring")
    measured = {result.case.name: result for result in results
                if result.case.name.startswith("monitoring ")}
    if not state or not measured:
        return ""
    lines = [state.get("generation", ""), daily_sales_summary(state), ""]
    lines += naive_table(context, measured)
    lines += [""] + export_table(state)
    return "\n".join(lines)


def daily_sales_summary(state: dict) -> str:
    from market.models import DailySales, MonthlySales

    year = state["year"]
    in_year = DailySales.objects.filter(day__gte=year["from"], day__lte=year["to"]).count()
    return (f"DailySales: {DailySales.objects.count():,} rows, {in_year:,} of them in the "
            f"year measured ({year['from']} to {year['to']}); MonthlySales: "
            f"{MonthlySales.objects.count():,} rows")


def naive_table(context: dict, measured: dict[str, Result]) -> list[str]:
    """The same answers from the orders tables, timed, checked equal to the endpoint's."""
    from django.db import reset_queries
    from django.test import Client

    from market.models import User

    state = context["monitoring"]
    header = (f"{'naive: the orders tables, same answer':<48} {'median ms':>9} {'p95 ms':>8} "
              f"{'× endpoint':>10} {'same answer':>11}")
    lines = [header, "-" * len(header)]
    client = Client()
    for monitor in state["monitors"].values():
        user = User.objects.get(pk=monitor.user_pk)
        for group in NAIVE_GROUPS:
            endpoint = measured.get(case_name(f"sales by {group}", monitor.label))
            if endpoint is None:
                continue
            answer = client.get(SALES, {**state["year"], "group_by": group},
                                HTTP_AUTHORIZATION=f"Token {monitor.token}").json()
            started = time.perf_counter()
            naive = naive_sales(user=user, year=state["year"], group_by=group)
            # Slow by nature: a few runs tell, fewer when each takes seconds.
            runs = 3 if time.perf_counter() - started > 2 else 5
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                naive_sales(user=user, year=state["year"], group_by=group)
                timings.append(time.perf_counter() - started)
                reset_queries()
            timings.sort()
            median = statistics.median(timings) * 1000
            same = all(naive[part] == answer[part] for part in ("results", "totals")) and (
                naive["previous"]["totals"] == answer["previous"]["totals"])
            lines.append(
                f"{f'sales by {group}, {monitor.label} ({runs} runs)':<48} {median:>9.1f} "
                f"{percentile(timings, 0.95) * 1000:>8.1f} "
                f"{median / endpoint.median_ms:>10.1f} {'yes' if same else 'NO':>11}"
            )
    return lines


def naive_sales(*, user, year: dict, group_by: str) -> dict:
    """The sales answer as a first implementation without DailySales would compute it:
    paid orders on their `paid_at` day with their lines' quantities, minus refunds on
    their `created_at` day (failed ones left out), Asia/Jakarta days; the previous
    period's totals the same way. Grouped by cooperative or by month."""
    from market.selectors import Period

    period = Period(start=datetime.date.fromisoformat(year["from"]),
                    end=datetime.date.fromisoformat(year["to"]))
    rows = _naive_figures(user, period, group_by)
    results = [{"key": key, **figures} for key, figures in rows.items()]
    if group_by == "month":
        results.sort(key=lambda row: row["key"])
    else:
        results.sort(key=lambda row: (-row["net"], row["key"]))
    totals = _naive_totals(results)
    previous = _naive_totals(list(_naive_figures(user, period.before(), group_by).values()))
    return {"results": [{"key": row["key"], "label": row["label"], **{
        name: row[name] for name in ("orders", "items", "gross", "refunds", "net")}}
        for row in results], "totals": totals, "previous": {"totals": previous}}


def _naive_totals(rows: list[dict]) -> dict:
    return {name: sum(row[name] for row in rows)
            for name in ("orders", "items", "gross", "refunds", "net")}


def _naive_figures(user, period, group_by: str) -> dict[str, dict]:
    from django.db.models import Count, F, Sum
    from django.db.models.functions import TruncMonth

    from market.monitoring import JAKARTA
    from market.selectors import monitoring_scope_q
    from orders.models import Order, OrderLine
    from payments.models import Refund

    since = datetime.datetime.combine(period.start, datetime.time(), tzinfo=JAKARTA)
    until = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time(),
                                      tzinfo=JAKARTA)
    paid = Order.objects.filter(monitoring_scope_q(user, "cooperative__region__code"),
                                paid_at__gte=since, paid_at__lt=until)
    lines = OrderLine.objects.filter(order__in=paid)
    refunds = Refund.objects.filter(
        monitoring_scope_q(user, "order__cooperative__region__code"),
        created_at__gte=since, created_at__lt=until,
    ).exclude(status=Refund.Status.FAILED)

    def grouped(rows, prefix: str, time_field: str):
        if group_by == "month":
            return rows.values(group=TruncMonth(time_field, tzinfo=JAKARTA))
        return rows.values(group=F(f"{prefix}cooperative__slug"),
                           label=F(f"{prefix}cooperative__name"))

    figures: dict = {}

    def row(found: dict) -> dict:
        group = found["group"]
        key = group.astimezone(JAKARTA).strftime("%Y-%m") if group_by == "month" else group
        label = key if group_by == "month" else found["label"]
        return figures.setdefault(key, {"label": label, "orders": 0, "items": 0, "gross": 0,
                                        "refunds": 0, "net": 0})

    for found in grouped(paid, "", "paid_at").annotate(orders=Count("pk"), gross=Sum("total")):
        row(found).update(orders=found["orders"], gross=found["gross"])
    for found in grouped(lines, "order__", "order__paid_at").annotate(items=Sum("quantity")):
        row(found)["items"] = found["items"]
    for found in grouped(refunds, "order__", "created_at").annotate(refunds=Sum("amount")):
        row(found)["refunds"] = found["refunds"]
    for value in figures.values():
        value["net"] = value["gross"] - value["refunds"]
    return figures


# ---------------------------------------------------------------- exports


def export_table(state: dict) -> list[str]:
    """Each export in a fresh process: its peak memory, rows, bytes and time."""
    today = state["today"]
    start = (today - datetime.timedelta(days=EXPORT_DAYS - 1)).isoformat()
    token = state["monitors"]["admin"].token
    header = (f"{f'export cooperative_day, {EXPORT_DAYS} days, admin':<48} {'peak MB':>9} "
              f"{'start MB':>8} {'rows':>8} {'file MB':>7} {'s':>6}")
    lines = [header, "-" * len(header)]
    for file_format in ("csv", "xlsx"):
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"export.{file_format}"
            child = subprocess.run(
                [sys.executable, __file__, "export", file_format, start, today.isoformat(),
                 str(path)],
                env={**os.environ, "BENCH_TOKEN": token}, capture_output=True, text=True,
                check=False,
            )
            if child.returncode != 0:
                lines.append(f"format={file_format}: the child failed: {child.stderr[-500:]}")
                continue
            measured = json.loads(child.stdout.strip().splitlines()[-1])
            if measured["status"] != 200:
                lines.append(f"format={file_format}: HTTP {measured['status']} "
                             f"{measured['error']} (not there yet?)")
                continue
            rows = export_rows(path, file_format)
        note = " (rows: + its totals row)" if file_format == "xlsx" else ""
        lines.append(
            f"{f'format={file_format}{note}':<48} {measured['peak_mb']:>9.0f} "
            f"{measured['start_mb']:>8.0f} {rows:>8,} {measured['bytes'] / 1e6:>7.1f} "
            f"{measured['seconds']:>6.1f}"
        )
    return lines


def export_rows(path: Path, file_format: str) -> int:
    """Rows of data in the file (its header row left out)."""
    if file_format == "csv":
        with path.open("rb") as file:
            return sum(chunk.count(b"\n") for chunk in iter(lambda: file.read(1 << 20), b"")) - 1
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True)
    try:
        return sum(1 for _row in workbook.worksheets[0].iter_rows(values_only=True)) - 1
    finally:
        workbook.close()


def _peak_mb() -> float:
    """Peak resident memory of this process (VmHWM: ru_maxrss would carry the parent's)."""
    from orders.management.commands.seed_sales_history import peak_memory_mb

    return peak_memory_mb()


def export_main(file_format: str, start: str, end: str, path: str) -> int:
    """In a fresh process: one export request as the admin, consumed to the end into `path`.

    Prints a JSON line: status, bytes, seconds, the peak RSS before the request (Django
    loaded) and after it.
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "market.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client()
    start_mb = _peak_mb()
    started = time.perf_counter()
    response = client.get(
        SALES, {"from": start, "to": end, "group_by": "cooperative_day", "format": file_format},
        HTTP_AUTHORIZATION=f"Token {os.environ['BENCH_TOKEN']}",
    )
    size = 0
    error = ""
    with open(path, "wb") as file:
        if response.status_code != 200:
            error = response.content[:300].decode(errors="replace")
        else:
            for chunk in response.streaming_content if response.streaming else [response.content]:
                file.write(chunk)
                size += len(chunk)
    response.close()
    print(json.dumps({  # noqa: T201 (the parent reads this line)
        "status": response.status_code, "error": error, "bytes": size,
        "seconds": time.perf_counter() - started, "start_mb": start_mb, "peak_mb": _peak_mb(),
    }))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] != ["export"] or len(sys.argv) != 6:
        sys.exit("usage: monitoring.py export csv|xlsx FROM TO FILE")
    sys.exit(export_main(*sys.argv[2:]))
