"""HTTP API of the dinas monitoring: the sales figures and the registry of cooperatives.

Who may call: `policies.can_monitor`; what they see: the monitoring selectors' scope.
Both answer JSON, or with `?format=csv` / `?format=xlsx` the same rows as a download
(market.monitoring_exports); refusals are JSON whatever the format asked for.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, serializers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from market import monitoring_exports, selectors
from market.api_support import PAGE_PARAMETERS, paginated, paginated_response, validated
from market.models import Cooperative
from market.policies import can_monitor
from market.schema import error_response
from market.spreadsheets import XLSX_CONTENT_TYPE

MAX_PERIOD_DAYS = 3 * 366  # a longer `from`..`to` is a 400
DEFAULT_PERIOD_DAYS = 30
EARLIEST_DAY = datetime.date(2000, 1, 1)  # no sales before; keeps the previous period a date


class CanMonitor(permissions.BasePermission):
    message = _("Only dinas officers and platform admins see the monitoring.")

    def has_permission(self, request, view) -> bool:
        return can_monitor(request.user)


class FileRenderer(BaseRenderer):
    """A file format the view writes itself: with a renderer of that `format`, DRF lets
    `?format=csv` through instead of answering 404. It never renders data, as
    `MonitoringView.finalize_response` answers data (errors too) in JSON."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise TypeError("The view answers a file; data is rendered as JSON.")


class CsvFileRenderer(FileRenderer):
    media_type = "text/csv"
    format = "csv"


class XlsxFileRenderer(FileRenderer):
    media_type = XLSX_CONTENT_TYPE
    format = "xlsx"


class FormatFirstNegotiation(DefaultContentNegotiation):
    """`?format=` decides, whatever the Accept header says; a format no renderer has falls to
    JSON, where the query's validation names it (a 400, where DRF would answer 404)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        wanted = request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
        if not wanted:
            return super().select_renderer(request, renderers, format_suffix)
        renderer = next((each for each in renderers if each.format == wanted), renderers[0])
        return renderer, renderer.media_type


FORMATS = ["json", *monitoring_exports.FILE_FORMATS]
FILE_ANSWER = _(
    "JSON; with `format=csv` a UTF-8 CSV download (with a byte order mark, streamed), with "
    "`format=xlsx` an Excel workbook: a bold header row in Bahasa Indonesia, rupiah as "
    "numbers in a rupiah format. Content-Disposition names the file after the region and "
    "the period or day. Refusals are JSON whatever the format."
)
FILE_RESPONSES = {
    (200, "text/csv"): OpenApiTypes.STR,
    (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY,
}


class MonitoringView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanMonitor]
    renderer_classes = [JSONRenderer, CsvFileRenderer, XlsxFileRenderer]
    content_negotiation_class = FormatFirstNegotiation

    def file_format(self) -> str | None:
        """`csv` or `xlsx` when the caller asked for a file, None for JSON."""
        renderer = self.request.accepted_renderer
        return renderer.format if isinstance(renderer, FileRenderer) else None

    def finalize_response(self, request, response, *args, **kwargs):
        # A view answers a file itself; anything else (a refusal under ?format=csv) is JSON.
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), FileRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


def _today() -> datetime.date:
    return timezone.localdate()  # TIME_ZONE is Asia/Jakarta


def _query(request) -> dict:
    """The query string as a plain dict: DRF reads a QueryDict as a form, where a missing
    boolean is false and an empty `?to=` passes for a missing one; here each parameter
    given is validated, each one not given is left out."""
    return request.query_params.dict()


def _renamed(fields: dict, old: str, new: str) -> dict:
    """`from` is a Python keyword: declared as `from_`, named `from` in and out."""
    return {new if name == old else name: field for name, field in fields.items()}


# ---------------------------------------------------------------- sales


class MonitoringSalesQuerySerializer(serializers.Serializer):
    from_ = serializers.DateField(
        required=False,
        help_text=_("First Asia/Jakarta day, YYYY-MM-DD (default: 29 days before `to`)."),
    )
    to = serializers.DateField(
        required=False, help_text=_("Last Asia/Jakarta day, inclusive (default: today)."),
    )
    group_by = serializers.ChoiceField(
        choices=[*selectors.GROUPS, *selectors.FILE_GROUPS], default="cooperative",
        help_text=_("Rows per cooperative (default), region (kecamatan), category, day or month; "
                    "`cooperative_day` (a row per cooperative per day with a sale or refund, "
                    "by day) in a file only: with `format=csv` or `format=xlsx`."),
    )
    region = serializers.CharField(
        required=False, allow_blank=True, max_length=13, default="",
        help_text=_("Region code, sub-regions included; must lie within your regions (else 403)."),
    )
    cooperative = serializers.SlugField(
        required=False, max_length=220,
        help_text=_("A cooperative's slug; one outside your regions is a 404."),
    )
    format = serializers.ChoiceField(
        choices=FORMATS, required=False,
        help_text=_("`csv` or `xlsx`: the same rows as a file download (without `previous`; "
                    "XLSX adds a totals row). Default JSON."),
    )

    def get_fields(self):
        return _renamed(super().get_fields(), "from_", "from")

    def validate(self, attrs):
        if attrs["group_by"] in selectors.FILE_GROUPS and not self.context.get("file_format"):
            raise serializers.ValidationError({"group_by": _(
                "`%(group)s` only in a file (format=csv or format=xlsx): it has too many rows "
                "for JSON, which is not paginated."
            ) % {"group": attrs["group_by"]}})
        end = attrs.get("to") or _today()
        start = attrs.get("from") or end - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        if start < EARLIEST_DAY:
            raise serializers.ValidationError(
                {"from": _("A day from %(day)s.") % {"day": EARLIEST_DAY.isoformat()}})
        if start > end:
            raise serializers.ValidationError({"from": _("Must not be after `to`.")})
        if (end - start).days + 1 > MAX_PERIOD_DAYS:
            raise serializers.ValidationError({"to": _("The period is at most three years.")})
        return {**attrs, "period": selectors.Period(start=start, end=end)}


class MonitoringFiguresSerializer(serializers.Serializer):
    orders = serializers.IntegerField(help_text=_("Paid orders, each counted once."))
    items = serializers.IntegerField()
    gross = serializers.IntegerField(help_text=_("Rupiah paid, shipping included."))
    refunds = serializers.IntegerField(help_text=_("Rupiah refunded on these days."))
    net = serializers.IntegerField(help_text=_("gross − refunds"))


class MonitoringSalesRowSerializer(MonitoringFiguresSerializer):
    key = serializers.CharField(help_text=_(
        "The cooperative's slug, the region's code, the category's slug (`uncategorised` "
        "for goods without one), the day (YYYY-MM-DD) or the month (YYYY-MM)."
    ))
    label = serializers.CharField(help_text=_("The human name."))

    def get_fields(self):
        fields = super().get_fields()
        return {"key": fields.pop("key"), "label": fields.pop("label"), **fields}


class MonitoringPeriodSerializer(serializers.Serializer):
    from_ = serializers.DateField()
    to = serializers.DateField()
    totals = MonitoringFiguresSerializer()

    def get_fields(self):
        return _renamed(super().get_fields(), "from_", "from")


class MonitoringSalesSerializer(serializers.Serializer):
    results = MonitoringSalesRowSerializer(
        many=True, help_text=_("Not paginated: one row per cooperative, region, category, "
                               "day or month of the period."),
    )
    totals = MonitoringFiguresSerializer(help_text=_("The sum of the rows."))
    from_ = serializers.DateField()
    to = serializers.DateField()
    previous = MonitoringPeriodSerializer(
        help_text=_("The period of the same length just before, for comparison."),
    )

    def get_fields(self):
        return _renamed(super().get_fields(), "from_", "from")


class MonitoringSalesView(MonitoringView):
    @extend_schema(
        summary="Sales figures of your regions, grouped (not paginated)",
        description=(
            "Rows ordered by net descending (cooperative, region, category) or by key "
            "(day, month); bounded by the cooperatives or days of the period, so not paginated."
        ),
        parameters=[MonitoringSalesQuerySerializer],
        responses={
            (200, "application/json"): OpenApiResponse(MonitoringSalesSerializer, FILE_ANSWER),
            **FILE_RESPONSES,
            (404, "application/json"): error_response(
                _("The cooperative is not one you oversee.")),
        },
    )
    def get(self, request):
        file_format = self.file_format()
        query = validated(MonitoringSalesQuerySerializer, _query(request),
                          context={"file_format": file_format})
        filters = {"period": query["period"], "group_by": query["group_by"],
                   "region": query["region"], "cooperative": query.get("cooperative", "")}
        if file_format:
            rows = selectors.monitoring_sales_export(user=request.user, **filters)
            return monitoring_exports.sales_file(file_format, rows, **filters)
        figures = selectors.monitoring_sales(user=request.user, **filters)
        return Response(MonitoringSalesSerializer(figures).data)


# ---------------------------------------------------------------- registry


class MonitoringCooperativeListQuerySerializer(serializers.Serializer):
    region = serializers.CharField(
        required=False, allow_blank=True, max_length=13, default="",
        help_text=_("Region code, sub-regions included; must lie within your regions (else 403)."),
    )
    status = serializers.ChoiceField(
        choices=Cooperative.Status.choices, required=False, allow_blank=True, default="",
    )
    active = serializers.BooleanField(
        required=False,
        help_text=_("`true`: a sale in the last MONITORING_ACTIVE_DAYS days; `false`: dormant."),
    )
    rat_held = serializers.IntegerField(
        required=False, min_value=1900, max_value=2999,
        help_text=_("Only those that held a RAT in this year."),
    )
    rat_missing = serializers.IntegerField(
        required=False, min_value=1900, max_value=2999,
        help_text=_("Only those that held no RAT in this year."),
    )
    format = serializers.ChoiceField(
        choices=FORMATS, required=False,
        help_text=_("`csv` or `xlsx`: every row of the filtered registry (not paginated) as a "
                    "file download. Default JSON, paginated."),
    )


class MonitoringCooperativeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    active = serializers.BooleanField(help_text=_("A sale in the last MONITORING_ACTIVE_DAYS."))
    last_sale_at = serializers.DateField(allow_null=True, help_text=_("The last day with a sale."))
    rat_last_held = serializers.DateField(source="last_rat_date", allow_null=True)
    gross_30d = serializers.IntegerField(help_text=_("Rupiah paid in the last 30 days."))
    rat_held_this_year = serializers.BooleanField(
        help_text=_("A RAT held in the current (Asia/Jakarta) year."),
    )

    class Meta:
        model = Cooperative
        fields = ["slug", "name", "region", "status", "active", "last_sale_at", "rat_last_held",
                  "gross_30d", "rat_held_this_year"]


class MonitoringCooperativeListView(MonitoringView):
    @extend_schema(
        summary="The registry of your regions' cooperatives: activity and RAT",
        operation_id="api_v1_monitoring_cooperatives_list",
        parameters=[MonitoringCooperativeListQuerySerializer, *PAGE_PARAMETERS],
        responses={
            (200, "application/json"): OpenApiResponse(
                paginated(MonitoringCooperativeSerializer), FILE_ANSWER),
            **FILE_RESPONSES,
        },
    )
    def get(self, request):
        file_format = self.file_format()
        query = validated(MonitoringCooperativeListQuerySerializer, _query(request))
        query.pop("format", None)
        today = _today()
        listed = selectors.monitoring_cooperative_list(
            user=request.user, today=today, **{"active": None, **query}
        )
        if file_format:
            return monitoring_exports.registry_file(file_format, listed, region=query["region"],
                                                    today=today)
        return paginated_response(request, self, listed, MonitoringCooperativeSerializer)
