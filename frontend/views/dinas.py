"""The dinas dashboard: headline figures, sales, the registry, the verification queue.

Officers see their regions only, the platform admin everything, anyone else a 404: every
figure comes from the monitoring selectors (market.selectors), which enforce that scope,
and out of it (a region, a cooperative) they refuse, which is a 404 here. The downloads
are the page's own address with `?format=csv` or `?format=xlsx`: the same query, parsed by
the API's query serializers, and the same export functions as /api/v1/monitoring/
(`selectors.monitoring_sales_export` or the registry selector, then market.monitoring_exports).
"""

import datetime
import re
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.charts import Point, bar_chart, column_chart
from frontend.pages import flash_error, login_required, paginate, safe_next
from market import monitoring_exports, reports, selectors
from market.api import VerifyInputSerializer
from market.errors import DomainError, NotAllowed, NotFound
from market.models import Cooperative
from market.monitoring_api import (
    EARLIEST_DAY,
    MonitoringCooperativeListQuerySerializer,
    MonitoringSalesQuerySerializer,
)
from market.policies import can_monitor, can_verify_cooperative, is_platform_admin
from market.selectors import FIGURES, Period
from market.services import cooperatives as cooperative_services
from market.spreadsheets import XLSX_CONTENT_TYPE, attachment

REGISTRY_PAGE_SIZE = 25
QUEUE_PAGE_SIZE = 20
TOP_ROWS = 10  # the sales page's bar chart
CHART_MONTHS = 12
GROUP_LABELS = {
    "cooperative": gettext_lazy("Cooperative"),
    "region": gettext_lazy("Kecamatan"),
    "category": gettext_lazy("Commodity"),
    "day": gettext_lazy("Day"),
    "month": gettext_lazy("Month"),
}
OVER_TIME = ("day", "month")  # groupings drawn as columns in date order, not as top bars
FIGURE_LABELS = {
    "orders": gettext_lazy("Orders"),
    "items": gettext_lazy("Items"),
    "gross": gettext_lazy("Gross"),
    "refunds": gettext_lazy("Refunds"),
    "net": gettext_lazy("Net"),
}
MONEY_FIGURES = ("gross", "refunds", "net")
FIELD_LABELS = {  # what a refusal of a parameter is prefixed with
    "from": gettext_lazy("From"), "to": gettext_lazy("To"), "group_by": gettext_lazy("Group by"),
    "region": gettext_lazy("Region"), "cooperative": gettext_lazy("Cooperative"),
    "status": gettext_lazy("Status"), "active": gettext_lazy("Activity"),
    "rat_held": gettext_lazy("Held a RAT in (year)"),
    "rat_missing": gettext_lazy("No RAT in (year)"), "month": gettext_lazy("Month"),
    "decision": gettext_lazy("Decision"), "note": gettext_lazy("Note to the cooperative"),
}
SALES_PARAMETERS = ("from", "to", "group_by", "region", "cooperative", "format")
REGISTRY_PARAMETERS = ("region", "status", "active", "rat_held", "rat_missing", "format")
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def dinas_page(view):
    """Log-in required; a 404 for whoever does not monitor (neither officer nor admin)."""

    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not can_monitor(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return checked


def _context(request, section: str, **context) -> dict:
    """Every dinas template's context: the section its menu marks, the regions overseen."""
    admin = is_platform_admin(request.user)
    return {
        "section": section,
        "all_regions": admin,
        "own_regions": [] if admin else selectors.monthly_report_region_list(user=request.user),
        **context,
    }


def _query(request, names: tuple[str, ...]) -> dict:
    """The parameters given, blank ones left out (a form sends every field, the API's
    serializers read a blank one as a wrong value)."""
    return {name: request.GET[name] for name in names if request.GET.get(name, "").strip()}


def _parsed(serializer_class, data: dict, **kwargs) -> tuple[dict, dict[str, list[str]]]:
    """The API's input serializer on `data`: (its values, {}) or ({}, {field: [messages]})."""
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return dict(serializer.validated_data), {}
    return {}, {name: [str(text) for text in (texts if isinstance(texts, list) else [texts])]
                for name, texts in serializer.errors.items()}


def _problems(errors: dict[str, list[str]]) -> list[str]:
    """The refusals as sentences, each after the name of its field."""
    return [f"{FIELD_LABELS[name]}: {text}" if name in FIELD_LABELS else text
            for name, texts in errors.items() for text in texts]


def _out_of_scope(call):
    """Run a selector call; a region or cooperative outside the user's scope is a 404."""
    try:
        return call()
    except (NotAllowed, NotFound):
        raise Http404 from None


def _months_back(today: datetime.date, count: int) -> Period:
    """The `count` calendar months up to and including today's."""
    start = today.replace(day=1)
    for _step in range(count - 1):
        start = (start - datetime.timedelta(days=1)).replace(day=1)
    return Period(start=start, end=Period.month_of(today).end)


def _month_series(figures: dict, period: Period) -> list[dict]:
    """The period's months in order, each with its figures (zeros for a month without)."""
    by_month = {row["key"]: row for row in figures["results"]}
    months, start = [], period.start
    while start <= period.end:
        key = start.strftime("%Y-%m")
        row = by_month.get(key) or dict.fromkeys(FIGURES, 0)
        months.append({"month": start, "key": key, **{name: row[name] for name in FIGURES}})
        start = Period.month_of(start).end + datetime.timedelta(days=1)
    return months


def _month_chart(chart_id: str, title: str, months: list[dict]):
    return column_chart(chart_id=chart_id, title=title, points=[
        Point(formats.date_format(month["month"], "M Y"), max(0, month["net"]))
        for month in months
    ])


# ---------------------------------------------------------------- the dashboard


@dinas_page
def dashboard(request):
    """The headline: the registry's counts, this month against the last, 12 months of net."""
    today = timezone.localdate()
    registry = list(selectors.monitoring_cooperative_list(user=request.user, today=today))
    counts = reports.registry_counts(registry)
    period = _months_back(today, CHART_MONTHS)
    months = _month_series(
        selectors.monitoring_sales(user=request.user, period=period, group_by="month"), period,
    )
    this_month, last_month = months[-1], months[-2]
    comparison = [
        {"name": name, "label": FIGURE_LABELS[name], "money": name in MONEY_FIGURES,
         "now": this_month[name], "before": last_month[name],
         "change": _percent(reports.change(this_month[name], last_month[name]))}
        for name in ("orders", "gross", "net")
    ]
    return render(request, "frontend/dinas/dashboard.html", _context(
        request, "dashboard", counts=counts, year=today.year,
        active_days=settings.MONITORING_ACTIVE_DAYS, comparison=comparison,
        this_month=this_month["month"], last_month=last_month["month"],
        months=months,
        chart=_month_chart("net-12-months", _("Net sales of the last 12 months"), months),
    ))


def _percent(fraction: float | None) -> float | None:
    return None if fraction is None else round(fraction * 100, 1)


# ---------------------------------------------------------------- sales


def _sales_query(request) -> dict:
    """The page's query with its default period: this month (a missing end: the month of
    the start; a missing start: the month of the end)."""
    query = _query(request, SALES_PARAMETERS)
    if "from" not in query and "to" not in query:
        month = Period.month_of(timezone.localdate())
        query.update({"from": month.start.isoformat(), "to": month.end.isoformat()})
    for given, missing, edge in (("from", "to", "end"), ("to", "from", "start")):
        if missing not in query:
            try:
                query[missing] = getattr(
                    Period.month_of(datetime.date.fromisoformat(query[given])), edge
                ).isoformat()
            except (ValueError, OverflowError):  # not a date, or a month past year 9999
                break  # the serializer names the bad date
    return query


def _sorted(rows: list[dict], sort: str) -> list[dict]:
    """The rows by `sort` (a column, `-` first for descending); else as the selector gives."""
    column = sort.removeprefix("-")
    if column not in ("label", *FIGURES):
        return rows
    return sorted(rows, key=lambda row: row[column].casefold() if column == "label"
                  else row[column], reverse=sort.startswith("-"))


def _sort_links(group_by: str, sort: str) -> list[dict]:
    """The table's columns with the ?sort= each heading links to and its aria-sort."""
    columns = []
    for name in ("label", *FIGURES):
        label = GROUP_LABELS[group_by] if name == "label" else FIGURE_LABELS[name]
        current = sort.removeprefix("-") == name
        descending = sort.startswith("-")
        if current:
            link = name if descending else f"-{name}"
        else:  # figures first largest, names first A
            link = name if name == "label" else f"-{name}"
        columns.append({
            "name": name, "label": label, "sort": link, "numeric": name != "label",
            "aria_sort": ("descending" if descending else "ascending") if current else "",
        })
    return columns


@dinas_page
def sales(request):
    """The period's figures grouped, sortable, with a chart; ?format=csv|xlsx downloads them."""
    query = _sales_query(request)
    asked = query.get("format", "")
    file_format = asked if asked in monitoring_exports.FILE_FORMATS else None
    parsed, errors = _parsed(MonitoringSalesQuerySerializer, query,
                             context={"file_format": file_format})
    sort = request.GET.get("sort", "")
    context = _context(
        request, "sales", errors=errors, problems=_problems(errors), query=query, sort=sort,
        groups=GROUP_LABELS.items(), regions=selectors.monitoring_region_list(user=request.user),
    )
    if errors:
        return render(request, "frontend/dinas/sales.html", context, status=400)
    filters = {"period": parsed["period"], "group_by": parsed["group_by"],
               "region": parsed["region"], "cooperative": parsed.get("cooperative", "")}
    if file_format:
        rows = _out_of_scope(lambda: selectors.monitoring_sales_export(user=request.user,
                                                                       **filters))
        if filters["group_by"] != "cooperative_day":
            rows = _sorted(list(rows), sort)
        return monitoring_exports.sales_file(file_format, rows, **filters)
    figures = _out_of_scope(lambda: selectors.monitoring_sales(user=request.user, **filters))
    rows = _sorted(figures["results"], sort)
    group_by = filters["group_by"]
    context.update(
        figures=figures, rows=rows, group_by=group_by, period=filters["period"],
        columns=_sort_links(group_by, sort), chart=_sales_chart(group_by, figures["results"]),
        over_time=group_by in OVER_TIME,
    )
    return render(request, "frontend/dinas/sales.html", context)


def _sales_chart(group_by: str, results: list[dict]):
    """Days and months as columns in date order; other groupings as the top rows by net."""
    if group_by in OVER_TIME:
        title = _("Net sales by day") if group_by == "day" else _("Net sales by month")
        return column_chart(chart_id="sales-chart", title=title,
                            points=[Point(row["label"], max(0, row["net"])) for row in results])
    return bar_chart(chart_id="sales-chart", title=_("The top %(count)s by net sales") % {
        "count": min(TOP_ROWS, len(results))},
        points=[Point(row["label"], max(0, row["net"])) for row in results[:TOP_ROWS]])


# ---------------------------------------------------------------- the registry


@dinas_page
def registry(request):
    """The cooperatives of the user's regions, filtered, a page at a time, or as a file."""
    query = _query(request, REGISTRY_PARAMETERS)
    parsed, errors = _parsed(MonitoringCooperativeListQuerySerializer, query)
    context = _context(
        request, "registry", errors=errors, problems=_problems(errors), query=query,
        statuses=Cooperative.Status.choices,
        regions=selectors.monitoring_region_list(user=request.user),
    )
    if errors:
        return render(request, "frontend/dinas/registry.html", context, status=400)
    file_format = parsed.pop("format", None)
    today = timezone.localdate()
    listed = _out_of_scope(lambda: selectors.monitoring_cooperative_list(
        user=request.user, today=today, **{"active": None, **parsed}))
    if file_format in monitoring_exports.FILE_FORMATS:
        return monitoring_exports.registry_file(file_format, listed, region=parsed["region"],
                                                today=today)
    page, page_numbers = paginate(request, listed, REGISTRY_PAGE_SIZE)
    context.update(page=page, page_numbers=page_numbers, today=today)
    return render(request, "frontend/dinas/registry.html", context)


@dinas_page
def cooperative(request, slug):
    """One cooperative of the user's regions: its profile, monthly sales and RAT history."""
    today = timezone.localdate()
    found = selectors.monitoring_cooperative_list(user=request.user, today=today)
    shown = found.filter(slug=slug).first()
    if shown is None:
        raise Http404
    period = _months_back(today, CHART_MONTHS)
    months = _month_series(selectors.monitoring_sales(
        user=request.user, period=period, group_by="month", cooperative=slug), period)
    meetings = [
        {"meeting": meeting, "minutes_url": reverse("cooperative-rat-minutes",
                                                    args=[slug, meeting.pk])
         if meeting.minutes else ""}
        for meeting in selectors.rat_meeting_list(cooperative=shown)
    ]
    return render(request, "frontend/dinas/cooperative.html", _context(
        request, "registry", cooperative=shown, months=months,
        chart=_month_chart("cooperative-net", _("Net sales of the last 12 months"), months),
        meetings=meetings, decisions=_decisions(), may_decide=can_verify_cooperative(
            request.user, shown),
    ))


def _decisions() -> list[tuple[str, str]]:
    labels = dict(Cooperative.Status.choices)
    return [(decision, labels[decision]) for decision in cooperative_services.VERIFY_DECISIONS]


# ---------------------------------------------------------------- the verification queue


@dinas_page
def queue(request):
    """The pending cooperatives of the user's regions, oldest first, each with its decision."""
    pending = selectors.cooperative_list_for(user=request.user,
                                             status=Cooperative.Status.PENDING)
    page, page_numbers = paginate(request, pending, QUEUE_PAGE_SIZE)
    return render(request, "frontend/dinas/queue.html", _context(
        request, "queue", page=page, page_numbers=page_numbers, decisions=_decisions(),
    ))


@dinas_page
@require_POST
def decide(request, slug):
    """Verify, reject or suspend a cooperative (cooperative_verify, as the API does)."""
    try:
        shown = selectors.cooperative_get_for(user=request.user, slug=slug)
    except NotFound:
        raise Http404 from None
    if not can_verify_cooperative(request.user, shown):
        raise Http404
    back = safe_next(request, reverse("frontend:dinas-queue"))
    parsed, errors = _parsed(VerifyInputSerializer, {
        "decision": request.POST.get("decision", ""), "note": request.POST.get("note", ""),
    })
    if errors:
        for text in _problems(errors):
            messages.error(request, f"{shown.name}: {text}")
        return redirect(back)
    try:
        decided = cooperative_services.cooperative_verify(actor=request.user, cooperative=shown,
                                                          **parsed)
    except DomainError as error:
        flash_error(request, error)
        return redirect(back)
    messages.success(request, _("%(name)s is now %(status)s.") % {
        "name": decided.name, "status": decided.get_status_display()})
    return redirect(back)


# ---------------------------------------------------------------- the monthly report


@dinas_page
def report(request):
    """The monthly report (XLSX) of a region the user may take and a chosen month."""
    regions = list(selectors.monthly_report_region_list(user=request.user))
    today = timezone.localdate()
    chosen = {"region": request.GET.get("region", "").strip(),
              "month": request.GET.get("month", "").strip()}
    context = _context(request, "report", regions=regions, chosen=chosen,
                       default_month=reports.last_month(today).start.strftime("%Y-%m"),
                       this_month=today.strftime("%Y-%m"), errors={})
    if not any(chosen.values()):
        return render(request, "frontend/dinas/report.html", context)
    region = next((each for each in regions if each.code == chosen["region"]), None)
    if chosen["region"] and region is None:
        raise Http404  # not a region of theirs
    errors = {}
    if region is None:
        errors["region"] = [_("Choose a region.")]
    month = _month_of(chosen["month"], today)
    if month is None:
        errors["month"] = [_("A month as YYYY-MM, from %(first)s up to this month.") % {
            "first": EARLIEST_DAY.strftime("%Y-%m")}]
    if errors:
        context.update(errors=errors, problems=_problems(errors))
        return render(request, "frontend/dinas/report.html", context, status=400)
    built = reports.monthly_report(region=region, month=month)
    response = HttpResponse(built.content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment(built.file_name)
    response["Cache-Control"] = "private, no-store"  # a region's figures, not for caches
    return response


def _month_of(text: str, today: datetime.date) -> Period | None:
    """`2026-03` as that calendar month, if it lies between EARLIEST_DAY and today's month."""
    matched = MONTH.match(text)
    if not matched or not 1 <= int(matched.group(2)) <= 12:
        return None
    try:
        start = datetime.date(int(matched.group(1)), int(matched.group(2)), 1)
    except ValueError:  # year 0
        return None
    if not EARLIEST_DAY <= start <= today:
        return None
    return Period.month_of(start)
