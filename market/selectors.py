"""Read queries of the marketplace core; every view and page starts from these."""

import datetime
import operator
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, TruncMonth
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext as _

from market.errors import NotAllowed, NotFound
from market.models import (
    Cooperative,
    DailySales,
    Invitation,
    Membership,
    MonthlySales,
    RatMeeting,
    Region,
    User,
)
from market.policies import (
    can_view_private_cooperative,
    has_verified_email,
    is_cooperative_staff,
    is_finance_staff,
    is_platform_admin,
    officer_scope_q,
)


def region_list(*, level: str | None = None, parent: str | None = None) -> QuerySet[Region]:
    regions = Region.objects.select_related("parent").order_by("code")
    if level:
        regions = regions.filter(level=level)
    if parent:
        regions = regions.filter(parent__code=parent)
    return regions


def district_list_with_cooperatives() -> QuerySet[Region]:
    """The kecamatan that have verified cooperatives, by name, each with `cooperative_count`."""
    return (
        Region.objects.filter(level=Region.Level.DISTRICT)
        .annotate(cooperative_count=Count(
            "cooperatives", filter=Q(cooperatives__status=Cooperative.Status.VERIFIED)
        ))
        .filter(cooperative_count__gt=0)
        .order_by("name", "pk")
    )


def cooperative_list_public(*, region: str | None = None, q: str | None = None):
    """Verified cooperatives, the ones that appear in the market."""
    verified = Cooperative.objects.filter(status=Cooperative.Status.VERIFIED)
    return _cooperatives_matching(verified, region=region, q=q).order_by("name", "pk")


def _cooperatives_matching(cooperatives: QuerySet, *, region: str | None, q: str | None):
    if region:
        cooperatives = cooperatives.filter(Region.within_q(region, "region__code"))
    if q:
        cooperatives = cooperatives.filter(Q(name__icontains=q) | Q(description__icontains=q))
    return cooperatives.select_related("region")


def cooperative_list_for(
    *, user: User, status: str = "", region: str = "", q: str = ""
) -> QuerySet[Cooperative]:
    """The market's list (verified, by name), or with another `status` what the user may see.

    A dinas officer asking for `pending` gets the verification queue of their regions,
    oldest first; staff get their own cooperatives in that status; others get none.
    """
    if not status or status == Cooperative.Status.VERIFIED:
        return cooperative_list_public(region=region, q=q)
    listed = cooperatives_visible_to(user).filter(status=status)
    return _cooperatives_matching(listed, region=region, q=q).order_by("created_at", "pk")


def cooperatives_visible_to(user: User) -> QuerySet[Cooperative]:
    """Verified ones for everyone; unverified ones to their staff and dinas in scope."""
    if is_platform_admin(user) or is_finance_staff(user):
        return Cooperative.objects.all()
    visible = Q(status=Cooperative.Status.VERIFIED)
    if user.is_authenticated:
        visible |= Q(memberships__user=user)
        scope = officer_scope_q(user)
        if scope is not None:
            visible |= scope
    # The membership join can repeat a row; filter by pk to stay distinct.
    return Cooperative.objects.filter(pk__in=Cooperative.objects.filter(visible).values("pk"))


def cooperative_list_last_owned_by(*, user: User) -> QuerySet[Cooperative]:
    """The cooperatives whose only owner is the user: without them, they would have none."""
    owned = Membership.objects.filter(user=user, role=Membership.Role.OWNER)
    return (
        Cooperative.objects.filter(pk__in=owned.values("cooperative"))
        .annotate(owner_count=Count("memberships",
                                    filter=Q(memberships__role=Membership.Role.OWNER)))
        .filter(owner_count=1)
        .order_by("name", "pk")
    )


def cooperative_get_for_staff(*, user: User, slug: str) -> Cooperative:
    """The cooperative whose back office the user may open (its staff, any status; the
    platform admin), with the region; else 404, as if it did not exist."""
    cooperative = Cooperative.objects.select_related("region").filter(slug=slug).first()
    if cooperative is None or not is_cooperative_staff(user, cooperative):
        raise NotFound()
    return cooperative


def cooperative_get_for(*, user: User, slug: str) -> Cooperative:
    """The cooperative if the user may see it, else 404 (no hint that it exists)."""
    cooperative = (
        cooperatives_visible_to(user)
        .select_related("region")
        .annotate(product_count=_active_product_count())
        .filter(slug=slug)
        .first()
    )
    if cooperative is None:
        raise NotFound()
    return cooperative


def membership_list(*, cooperative: Cooperative) -> QuerySet[Membership]:
    return cooperative.memberships.select_related("user").order_by("created_at", "pk")


def invitation_list_pending(*, cooperative: Cooperative) -> QuerySet[Invitation]:
    """The cooperative's unanswered invitations, expired ones included (the owner may renew)."""
    return (
        cooperative.invitations.filter(status=Invitation.Status.PENDING)
        .select_related("invited_by")
        .order_by("created_at", "pk")
    )


def invitation_list_for(*, user: User, now: datetime.datetime) -> QuerySet[Invitation]:
    """The user's pending, unexpired invitations, matched by e-mail (stored lower-case).

    None until the user verified their address: an empty list says nothing about
    what waits for it.
    """
    if not has_verified_email(user):
        return Invitation.objects.none()
    return (
        Invitation.objects.filter(
            email=user.email.lower(), status=Invitation.Status.PENDING, expires_at__gt=now
        )
        .select_related("cooperative", "invited_by")
        .order_by("-created_at", "-pk")
    )


def rat_meeting_list(*, cooperative: Cooperative) -> QuerySet[RatMeeting]:
    return cooperative.rat_meetings.order_by("-held_on", "-pk")


def rat_meeting_minutes_get_for(*, user: User, cooperative: Cooperative, pk: int) -> RatMeeting:
    """The cooperative's meeting whose minutes the user may read (whoever may read its RAT
    records); 404 when it has none, is another cooperative's, or is not the user's to see."""
    meeting = cooperative.rat_meetings.filter(pk=pk).first()
    if not (meeting and meeting.minutes and can_view_private_cooperative(user, cooperative)):
        raise NotFound()
    return meeting


def user_cooperatives(*, user: User) -> QuerySet[Membership]:
    return user.memberships.select_related("cooperative").order_by("cooperative__name", "pk")


def user_dinas_region_codes(*, user: User) -> list[str]:
    return list(
        Region.objects.filter(officers__user=user).order_by("code").values_list("code", flat=True)
    )


def _active_product_count() -> Count:
    # Imported here: catalog depends on market, not the other way round.
    from catalog.models import Product

    return Count("products", filter=Q(products__status=Product.Status.ACTIVE))


# ---------------------------------------------------------------- monitoring (dinas)
# Read from DailySales and MonthlySales only (market.monitoring keeps them), never from the
# orders; every query starts from the user's scope (`monitoring_scope_q`, or its ids of
# cooperatives), so an officer sees their regions' figures alone.

FIGURES = ("orders", "items", "gross", "refunds", "net")
GROUPS = {  # group_by -> (key field, label field) of the DailySales rows
    "cooperative": ("cooperative__slug", "cooperative__name"),
    "region": ("cooperative__region__code", "cooperative__region__name"),
    "category": ("category__slug", "category__name"),
    "day": ("day", None),
    "month": ("month", None),
}
# Files only: a row per cooperative per day runs to hundreds of thousands, which JSON
# (not paginated) cannot carry but a streamed file can.
FILE_GROUPS = ("cooperative_day",)
EXPORT_CHUNK_SIZE = 2_000  # rows an export fetches at a time: its memory, whatever the count
UNCATEGORISED = "uncategorised"


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date  # inclusive

    @classmethod
    def month_of(cls, day: datetime.date) -> "Period":
        """The calendar month that holds `day`."""
        start = day.replace(day=1)
        after = (start + datetime.timedelta(days=32)).replace(day=1)
        return cls(start=start, end=after - datetime.timedelta(days=1))

    def before(self) -> "Period":
        """The period of the same length that ends the day before this one starts."""
        end = self.start - datetime.timedelta(days=1)
        return Period(start=end - (self.end - self.start), end=end)


def monitoring_scope_q(user: User, field: str = "region__code") -> Q:
    """What the user may monitor: everything for an admin, an officer's regions, else nothing."""
    if is_platform_admin(user):
        return Q()
    return officer_scope_q(user, field=field) or Q(pk__in=[])


def _monitoring_region_check(user: User, region: str) -> None:
    """A region filter must lie within the officer's regions (an admin's: anywhere)."""
    if is_platform_admin(user):
        return
    inside = Region.objects.filter(officers__user=user).filter(
        Q(code=region) | Q(code__in=[region.rsplit(".", depth)[0]
                                     for depth in range(1, region.count(".") + 1)])
    )
    if not inside.exists():
        raise NotAllowed(_("This region is outside the regions you oversee."))


def _monitoring_rows_q(user: User, *, region: str, cooperative: str) -> Q:
    """Which figure rows are asked for and may be seen, resolved to ids by one query on the
    call (none for an admin without a filter), so a refusal comes first.

    Region ids, not codes: an officer's `code = '61.07' OR code LIKE '61.07.%'` through the
    join was estimated at 2 cooperatives of 200, and the planner walked an index once per
    cooperative without parallel workers; the ids are matched on the cooperatives' side
    of a hash join (200 rows), not on each figure row.
    """
    if region:
        _monitoring_region_check(user, region)
    if cooperative:
        found = (Cooperative.objects.filter(_monitoring_scope_exists(user, "region__code"),
                                            slug=cooperative)
                 .values_list("pk", "region__code").first())
        if found is None:
            raise NotFound()
        pk, code = found
        inside = not region or code == region or code.startswith(f"{region}.")
        return Q(cooperative_id=pk) if inside else Q(pk__in=[])
    if is_platform_admin(user) and not region:
        return Q()
    regions = Region.objects.filter(_monitoring_scope_exists(user, "code"))
    if region:
        regions = regions.filter(Region.within_q(region))
    return Q(cooperative__region_id__in=list(regions.values_list("pk", flat=True)))


def _monitoring_scope_exists(user: User, field: str) -> Q:
    """`monitoring_scope_q` as a subquery on the region code `field`: the officer's regions
    are read by the query that uses them, not by one of their own."""
    if is_platform_admin(user):
        return Q()
    if not user.is_authenticated:
        return Q(pk__in=[])
    code = OuterRef(field)
    oversees = Region.objects.filter(officers__user=user).filter(
        Q(code=code) | Q(StartsWith(code, Concat(F("code"), Value("."))))
    )
    return Q(Exists(oversees))


def _whole_months(period: Period) -> tuple[datetime.date, datetime.date]:
    """The first day of the period's first whole month and of the month after its last:
    the months in between are read from MonthlySales, the days outside from DailySales
    (none whole when the first is not before the second)."""
    first = (period.start if period.start.day == 1
             else Period.month_of(period.start).end + datetime.timedelta(days=1))
    return first, (period.end + datetime.timedelta(days=1)).replace(day=1)


def _period_parts(scope: Q, period: Period, *, days_only: bool = False) -> list:
    """The period's figure rows in `scope` as querysets to add up: its whole months'
    MonthlySales rows (first) and its edge days' DailySales rows, or every day's with
    `days_only`."""
    days, months = DailySales.objects.filter(scope), MonthlySales.objects.filter(scope)
    first, after = _whole_months(period)
    if days_only or first >= after:
        return [days.filter(day__gte=period.start, day__lte=period.end)]
    parts = [months.filter(month__gte=first, month__lt=after)]
    edges = []
    if period.start < first:
        edges.append(Q(day__gte=period.start, day__lt=first))
    if after <= period.end:
        edges.append(Q(day__gte=after, day__lte=period.end))
    if edges:
        parts.append(days.filter(reduce(operator.or_, edges)))
    return parts


def _sums(parts: list, fields: tuple[str, ...]) -> list[dict]:
    """The parts' sums by `fields` (none: one row of totals, if any), added up across
    parts: one query (UNION ALL)."""
    if not fields:  # a constant, which PostgreSQL and SQLite leave out of a GROUP BY
        parts, fields = [part.annotate(everything=Value(1)) for part in parts], ("everything",)
    grouped = [part.values(*fields).annotate(**_figures()).order_by() for part in parts]
    merged: dict[tuple, dict] = {}
    for row in grouped[0].union(*grouped[1:], all=True):
        key = tuple(row[field] for field in fields)
        if key not in merged:
            merged[key] = row
            continue
        for name in FIGURES:
            merged[key][f"sum_{name}"] = ((merged[key][f"sum_{name}"] or 0)
                                          + (row[f"sum_{name}"] or 0))
    return list(merged.values())


def _figures() -> dict:
    """The sums, under names of their own (an annotation `gross` would hide the field)."""
    sums = {f"sum_{name}": Sum(name) for name in FIGURES if name != "net"}
    return {**sums, "sum_net": Sum(F("gross") - F("refunds"))}


def _figures_of(row: dict) -> dict[str, int]:
    return {name: row.get(f"sum_{name}") or 0 for name in FIGURES}


def _row_key(group_by: str, row: dict) -> tuple[str, str]:
    key_field, label_field = GROUPS[group_by]
    key = row[key_field]
    if group_by == "day":
        return key.isoformat(), key.isoformat()
    if group_by == "month":
        return key.strftime("%Y-%m"), key.strftime("%Y-%m")
    if key is None:  # goods without a category
        return UNCATEGORISED, _("Uncategorised")
    return key, row[label_field]


def _totals(rows: list[dict]) -> dict[str, int]:
    return {name: sum(row[name] for row in rows) for name in FIGURES}


def _grouped(scope: Q, period: Period, group_by: str) -> list[dict]:
    """The period's sums by `group_by`: by net descending (key as tie-break, no category
    last), or by date. One query; the ordering is made here, after the parts are added."""
    parts = _period_parts(scope, period, days_only=group_by == "day")
    if group_by == "month":  # the days' month, to add to the month's row
        parts = [part.annotate(month=TruncMonth("day")) if part.model is DailySales else part
                 for part in parts]
    key_field, label_field = GROUPS[group_by]
    rows = _sums(parts, tuple(filter(None, (key_field, label_field))))
    if group_by in ("day", "month"):
        return sorted(rows, key=lambda row: row[key_field])
    # Strings in code point order: PostgreSQL's too, under the C collation of the databases.
    return sorted(rows, key=lambda row: (-(row["sum_net"] or 0), row[key_field] is None,
                                         row[key_field] or ""))


def _grouped_row(group_by: str, row: dict) -> dict:
    key, label = _row_key(group_by, row)
    return {"key": key, "label": label, **_figures_of(row)}


def monitoring_sales(
    *, user: User, period: Period, group_by: str = "cooperative", region: str = "",
    cooperative: str = "",
) -> dict:
    """The sales figures of the period by `group_by`, their totals, and the previous period's.

    Two aggregate queries (the rows, the previous totals), each over the whole months'
    MonthlySales rows and the edge days' DailySales rows. Rows by net descending (key as
    tie-break), days and months in order; totals are the rows' sum.
    """
    scope = _monitoring_rows_q(user, region=region, cooperative=cooperative)
    return _sales_figures(scope, period=period, group_by=group_by)


def region_sales(*, region_code: str, period: Period, group_by: str = "cooperative") -> dict:
    """`monitoring_sales` of a region (sub-regions included) for whoever reports on it:
    the monthly report, whose recipients the caller chooses."""
    # The codes themselves, not a query for ids: its calendar months are MonthlySales rows,
    # so the planner's estimate of the region match hardly matters here.
    scope = Region.within_q(region_code, "cooperative__region__code")
    return _sales_figures(scope, period=period, group_by=group_by)


def _sales_figures(scope: Q, *, period: Period, group_by: str) -> dict:
    results = [_grouped_row(group_by, row) for row in _grouped(scope, period, group_by)]
    before = period.before()
    previous = _sums(_period_parts(scope, before), ())
    return {
        "results": results,
        "totals": _totals(results),
        "from": period.start,
        "to": period.end,
        "previous": {
            "from": before.start, "to": before.end,
            "totals": _figures_of(previous[0] if previous else {}),  # no rows: no sums
        },
    }


def monitoring_sales_export(
    *, user: User, period: Period, group_by: str = "cooperative", region: str = "",
    cooperative: str = "",
) -> Iterator[dict]:
    """The rows of `monitoring_sales` for a file, or with `cooperative_day` a row per
    cooperative per day with a sale or a refund (by day, then cooperative name).

    The scope is checked on the call, so a refusal comes before any row is sent; the
    rows are read as they are iterated, in one query (a row per cooperative and day:
    EXPORT_CHUNK_SIZE at a time; the groupings are a few hundred rows at most).
    """
    scope = _monitoring_rows_q(user, region=region, cooperative=cooperative)
    if group_by != "cooperative_day":
        def grouped() -> Iterator[dict]:
            for row in _grouped(scope, period, group_by):  # read when the body is
                yield _grouped_row(group_by, row)

        return grouped()
    [days] = _period_parts(scope, period, days_only=True)
    by_day = (
        days.values("day", "cooperative__slug", "cooperative__name", "cooperative__region__code",
                    "cooperative__region__name")
        .annotate(**_figures())
        .order_by("day", "cooperative__name", "cooperative__slug")
        .iterator(chunk_size=EXPORT_CHUNK_SIZE)
    )
    return (
        {"day": row["day"], "key": row["cooperative__slug"], "label": row["cooperative__name"],
         "region": row["cooperative__region__code"],
         "region_label": row["cooperative__region__name"], **_figures_of(row)}
        for row in by_day
    )


def monitoring_cooperative_list(
    *, user: User, today: datetime.date, region: str = "", status: str = "",
    active: bool | None = None, rat_held: int | None = None, rat_missing: int | None = None,
) -> QuerySet[Cooperative]:
    """The registry of the cooperatives the user monitors (all statuses), by name, with
    `_registry_figures`: one query per page, whatever its size."""
    listed = _registry_figures(Cooperative.objects.filter(monitoring_scope_q(user)), today=today)
    if region:
        _monitoring_region_check(user, region)
        listed = listed.filter(Region.within_q(region, "region__code"))
    if status:
        listed = listed.filter(status=status)
    if active is not None:
        listed = listed.filter(active=active)
    held_in = RatMeeting.objects.filter(cooperative=OuterRef("pk"))
    if rat_held is not None:
        listed = listed.filter(Exists(held_in.filter(held_on__year=rat_held)))
    if rat_missing is not None:
        listed = listed.filter(~Exists(held_in.filter(held_on__year=rat_missing)))
    return listed.select_related("region").order_by("name", "pk")


def region_registry(*, region_code: str, today: datetime.date) -> QuerySet[Cooperative]:
    """The registry of a region (sub-regions included), by name, as of `today`: for the
    monthly report, whose recipients the caller chooses."""
    listed = Cooperative.objects.filter(Region.within_q(region_code, "region__code"))
    return _registry_figures(listed, today=today).select_related("region").order_by("name", "pk")


def monitoring_region_list(*, user: User) -> QuerySet[Region]:
    """The regions the user monitors, each region below them included, by code: the
    region filter of the dinas pages (an admin's: every region)."""
    return Region.objects.filter(monitoring_scope_q(user, field="code")).order_by("code")


def monthly_report_region_list(*, user: User) -> QuerySet[Region]:
    """The regions whose monthly report the user may take: an officer's own regions (as
    the monthly job sends them), any region for an admin, none for anyone else."""
    if is_platform_admin(user):
        return Region.objects.order_by("code")
    if not user.is_authenticated:
        return Region.objects.none()
    return Region.objects.filter(officers__user=user).order_by("code")


def _registry_figures(cooperatives: QuerySet, *, today: datetime.date) -> QuerySet[Cooperative]:
    """Each cooperative with its last sale (a day with orders or gross), whether it is active
    (a sale in the last MONITORING_ACTIVE_DAYS days), its gross of the last 30 days and
    whether it held a RAT in `today`'s year: subqueries, no query per row."""
    active_since = today - datetime.timedelta(days=settings.MONITORING_ACTIVE_DAYS - 1)
    sales = DailySales.objects.filter(cooperative=OuterRef("pk"))
    last_sale = (sales.filter(Q(orders__gt=0) | Q(gross__gt=0))
                 .order_by("-day").values("day")[:1])
    gross_30d = (
        sales.filter(day__gte=today - datetime.timedelta(days=29), day__lte=today)
        .values("cooperative").annotate(total=Sum("gross")).values("total")
    )
    # The meetings themselves, as `?rat_held=` reads them, so the flag and the filter agree.
    held_this_year = RatMeeting.objects.filter(cooperative=OuterRef("pk"),
                                               held_on__year=today.year)
    return cooperatives.annotate(
        last_sale_at=Subquery(last_sale),
        gross_30d=Coalesce(Subquery(gross_30d), Value(0)),
        rat_held_this_year=Exists(held_this_year),
    ).annotate(
        active=Case(When(last_sale_at__gte=active_since, then=Value(True)),
                    default=Value(False), output_field=BooleanField()),
    )


# ---------------------------------------------------------------- a cooperative's own figures


@dataclass(frozen=True)
class DaySales:
    day: datetime.date
    orders: int
    net: int  # gross less refunds; negative on a day of more refunds than sales


def cooperative_daily_sales(
    *, cooperative: Cooperative, days: int = 30, today: datetime.date | None = None
) -> list[DaySales]:
    """The cooperative's sales figures (DailySales) of each of the last `days` Asia/Jakarta
    days up to `today`, oldest first, days without sales as zeros: its back office's chart,
    which needs no monitoring rights. One query."""
    today = today or timezone.localdate()
    start = today - datetime.timedelta(days=days - 1)
    sums = {
        row["day"]: row
        for row in DailySales.objects.filter(cooperative=cooperative, day__gte=start,
                                             day__lte=today)
        .values("day").annotate(sum_orders=Sum("orders"), sum_net=Sum(F("gross") - F("refunds")))
        .order_by()
    }
    shown = []
    for offset in range(days):
        day = start + datetime.timedelta(days=offset)
        row = sums.get(day, {})
        shown.append(DaySales(day=day, orders=row.get("sum_orders") or 0,
                              net=row.get("sum_net") or 0))
    return shown


@dataclass(frozen=True)
class RatStatus:
    last_held_on: datetime.date | None
    held_this_year: bool  # a RAT in `today`'s calendar year, as the registry's flag reads it


def rat_status_of(*, cooperative: Cooperative, today: datetime.date | None = None) -> RatStatus:
    """When the cooperative last held its RAT, and whether it did this (Jakarta) year."""
    today = today or timezone.localdate()
    last = rat_meeting_list(cooperative=cooperative).values_list("held_on", flat=True).first()
    return RatStatus(last_held_on=last, held_this_year=last is not None and last.year >= today.year)
