"""HTTP API of the marketplace core: parse, call a service or selector, serialize."""

import redis
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.db import connection
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from market import selectors, services
from market.api_support import AuthRateThrottle, paginated_response, validated
from market.errors import InvalidInput
from market.models import Cooperative, Membership, RatMeeting, Region
from market.policies import can_manage_members, can_view_private_cooperative, ensure

# ---------------------------------------------------------------- accounts


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, max_length=128)
    name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema(request=RegisterInputSerializer, responses={201: UserOutputSerializer})
    def post(self, request):
        data = validated(RegisterInputSerializer, request.data)
        user = services.user_register(**data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=128)


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [AuthRateThrottle]

    @extend_schema(
        request=TokenInputSerializer,
        responses={200: inline_serializer("TokenOutput", {"token": serializers.CharField()})},
    )
    def post(self, request):
        data = validated(TokenInputSerializer, request.data)
        user = authenticate(request, email=data["email"].lower(), password=data["password"])
        if user is None:
            raise InvalidInput(fields={"non_field_errors": _("Wrong e-mail or password.")})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeCooperativeSerializer(serializers.Serializer):
    slug = serializers.CharField(source="cooperative.slug")
    name = serializers.CharField(source="cooperative.name")
    role = serializers.CharField()


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()
    phone = serializers.CharField()
    cooperatives = MeCooperativeSerializer(many=True)
    dinas_regions = serializers.ListField(child=serializers.CharField())


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MeOutputSerializer)
    def get(self, request):
        user = request.user
        payload = {
            "id": user.pk,
            "email": user.email,
            "name": user.name,
            "phone": user.phone,
            "cooperatives": selectors.user_cooperatives(user=user),
            "dinas_regions": selectors.user_dinas_region_codes(user=user),
        }
        return Response(MeOutputSerializer(payload).data)


# ---------------------------------------------------------------- regions


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class RegionListView(generics.ListAPIView):
    serializer_class = RegionSerializer
    pagination_class = None

    @extend_schema(
        parameters=[
            OpenApiParameter("level", enum=Region.Level.values),
            OpenApiParameter("parent", description="Only the direct children of this code."),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.region_list(
            level=self.request.query_params.get("level"),
            parent=self.request.query_params.get("parent"),
        )


# ---------------------------------------------------------------- cooperatives


class CooperativeListSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")

    class Meta:
        model = Cooperative
        fields = [
            "slug", "name", "kind", "region", "region_name", "status", "description",
            "address", "phone", "logo", "members_count",
        ]


class CooperativeDetailSerializer(CooperativeListSerializer):
    product_count = serializers.IntegerField()

    class Meta(CooperativeListSerializer.Meta):
        fields = [
            *CooperativeListSerializer.Meta.fields,
            "nik", "legal_number", "email", "product_count", "last_rat_date", "created_at",
        ]


class CooperativeCreateSerializer(serializers.ModelSerializer):
    region = serializers.CharField(max_length=13, help_text=_("District (kecamatan) code."))

    class Meta:
        model = Cooperative
        fields = [
            "name", "nik", "legal_number", "kind", "region", "address", "phone", "email",
            "description", "members_count",
        ]
        # Uniqueness is the service's to check, under its transaction.
        extra_kwargs = {"nik": {"validators": [Cooperative._meta.get_field("nik").validators[0]]}}


class CooperativeUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cooperative
        fields = [
            "name", "legal_number", "kind", "address", "phone", "email", "description",
            "members_count", "logo",
        ]


class CooperativeListCreateView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=[
            OpenApiParameter("region", description="Region code; includes sub-regions."),
            OpenApiParameter("q", description="Words in the name or description."),
        ],
        responses=CooperativeListSerializer(many=True),
    )
    def get(self, request):
        cooperatives = selectors.cooperative_list_public(
            region=request.query_params.get("region"), q=request.query_params.get("q")
        )
        return paginated_response(request, self, cooperatives, CooperativeListSerializer)

    @extend_schema(
        request=CooperativeCreateSerializer, responses={201: CooperativeDetailSerializer}
    )
    def post(self, request):
        data = validated(CooperativeCreateSerializer, request.data)
        cooperative = services.cooperative_register(owner=request.user, **data)
        cooperative = selectors.cooperative_get_for(user=request.user, slug=cooperative.slug)
        return Response(
            CooperativeDetailSerializer(cooperative).data, status=status.HTTP_201_CREATED
        )


class CooperativeDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(responses=CooperativeDetailSerializer)
    def get(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        return Response(CooperativeDetailSerializer(cooperative).data)

    @extend_schema(request=CooperativeUpdateSerializer, responses=CooperativeDetailSerializer)
    def patch(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(CooperativeUpdateSerializer, request.data, partial=True)
        services.cooperative_update(actor=request.user, cooperative=cooperative, **data)
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        return Response(CooperativeDetailSerializer(cooperative).data)


class VerifyInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=services.VERIFY_DECISIONS)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CooperativeVerifyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=VerifyInputSerializer, responses=CooperativeDetailSerializer)
    def post(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(VerifyInputSerializer, request.data)
        services.cooperative_verify(actor=request.user, cooperative=cooperative, **data)
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        return Response(CooperativeDetailSerializer(cooperative).data)


class MemberInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MemberOutputSerializer(serializers.Serializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class CooperativeMembersView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=MemberOutputSerializer(many=True))
    def get(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        ensure(can_manage_members(request.user, cooperative))
        members = selectors.membership_list(cooperative=cooperative)
        return paginated_response(request, self, members, MemberOutputSerializer)

    @extend_schema(request=MemberInputSerializer, responses={201: MemberOutputSerializer})
    def post(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(MemberInputSerializer, request.data)
        membership = services.membership_add(actor=request.user, cooperative=cooperative, **data)
        return Response(MemberOutputSerializer(membership).data, status=status.HTTP_201_CREATED)


class RatSerializer(serializers.ModelSerializer):
    class Meta:
        model = RatMeeting
        fields = ["id", "held_on", "attendance", "members_total", "notes", "created_at"]
        read_only_fields = ["id", "created_at"]
        validators: list = []  # the service checks one RAT per day, with a clear message


class CooperativeRatView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=RatSerializer(many=True))
    def get(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        ensure(can_view_private_cooperative(request.user, cooperative))
        meetings = selectors.rat_meeting_list(cooperative=cooperative)
        return paginated_response(request, self, meetings, RatSerializer)

    @extend_schema(request=RatSerializer, responses={201: RatSerializer})
    def post(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(RatSerializer, request.data)
        meeting = services.rat_record(actor=request.user, cooperative=cooperative, **data)
        return Response(RatSerializer(meeting).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- service


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        responses=inline_serializer(
            "HealthOutput",
            {
                "database": serializers.CharField(),
                "cache": serializers.CharField(),
                "broker": serializers.CharField(),
            },
        )
    )
    def get(self, request):
        checks = {"database": _check_database(), "cache": _check_cache(), "broker": _check_broker()}
        code = status.HTTP_200_OK if checks["database"] == "ok" else 503
        return Response(checks, status=code)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any failure means down; the answer, not the error, is the point
        return "down"
    return "ok"


def _check_cache() -> str:
    try:
        cache.set("healthz", "ok", 5)
        return "ok" if cache.get("healthz") == "ok" else "down"
    except Exception:
        return "down"


def _check_broker() -> str:
    if not settings.REDIS_URL:
        return "disabled"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        return "down"
    return "ok"
