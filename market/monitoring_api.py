"""HTTP API of the dinas monitoring: the sales figures and the registry of cooperatives.

Who may call: `policies.can_monitor`; what they see: the monitoring selectors' scope.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from market import selectors
from market.api_support import paginated_response, paginated_schema, validated
from market.models import Cooperative
from market.policies import can_monitor
from market.schema import error_response

MAX_PERIOD_DAYS = 3 * 366  # a longer `from`..`to` is a 400
DEFAULT_PERIOD_DAYS = 30
EARLIEST_DAY = datetime.date(2000, 1, 1)  # no sales before; keeps the previous period a date


class CanMonitor(permissions.BasePermission):
    message = _("Only dinas officers and platform admins see the monitoring.")

    def has_permission(self, request, view) -> bool:
        return can_monitor(request.user)


class MonitoringView(APIView):
    permission_classes = [permissions.IsAuthenticated, CanMonitor]


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
        choices=list(selectors.GROUPS), default="cooperative",
        help_text=_("Rows per cooperative (default), region (kecamatan), category, day or month."),
    )
    region = serializers.CharField(
        required=False, allow_blank=True, max_length=13, default="",
        help_text=_("Region code, sub-regions included; must lie within your regions (else 403)."),
    )
    cooperative = serializers.SlugField(
        required=False, max_length=220,
        help_text=_("A cooperative's slug; one outside your regions is a 404."),
    )

    def get_fields(self):
        return _renamed(super().get_fields(), "from_", "from")

    def validate(self, attrs):
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
        responses={200: MonitoringSalesSerializer,
                   404: error_response(_("The cooperative is not one you oversee."))},
    )
    def get(self, request):
        query = validated(MonitoringSalesQuerySerializer, _query(request))
        figures = selectors.monitoring_sales(
            user=request.user, period=query["period"], group_by=query["group_by"],
            region=query["region"], cooperative=query.get("cooperative", ""),
        )
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


class MonitoringCooperativeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    active = serializers.BooleanField(help_text=_("A sale in the last MONITORING_ACTIVE_DAYS."))
    last_sale_at = serializers.DateField(allow_null=True, help_text=_("The last day with a sale."))
    rat_last_held = serializers.DateField(source="last_rat_date", allow_null=True)
    gross_30d = serializers.IntegerField(help_text=_("Rupiah paid in the last 30 days."))

    class Meta:
        model = Cooperative
        fields = ["slug", "name", "region", "status", "active", "last_sale_at", "rat_last_held",
                  "gross_30d"]


class MonitoringCooperativeListView(MonitoringView):
    @paginated_schema(
        MonitoringCooperativeSerializer,
        summary="The registry of your regions' cooperatives: activity and RAT",
        parameters=[MonitoringCooperativeListQuerySerializer],
    )
    def get(self, request):
        query = validated(MonitoringCooperativeListQuerySerializer, _query(request))
        listed = selectors.monitoring_cooperative_list(
            user=request.user, today=_today(), **{"active": None, **query}
        )
        return paginated_response(request, self, listed, MonitoringCooperativeSerializer)
