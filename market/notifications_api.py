"""HTTP API of notifications: the caller's in-app inbox and their channel preferences."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from market.api_support import PAGE_PARAMETERS, paginated_response, validated
from market.models import Notification
from market.notifications import services


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    title = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField(help_text=_("A path of this site (or empty)."))
    created_at = serializers.DateTimeField()
    read = serializers.SerializerMethodField()

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationPageSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=0)
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    unread = serializers.IntegerField(min_value=0, help_text=_("All unread, on any page."))
    results = NotificationSerializer(many=True)


class NotificationListQuerySerializer(serializers.Serializer):
    # Not a BooleanField: from a query string it reads a missing flag as false.
    unread = serializers.ChoiceField(choices=["true", "false"], required=False)


class NotificationListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your in-app notifications, newest first",
        parameters=[
            OpenApiParameter("unread", {"type": "string", "enum": ["true", "false"]},
                             description=_("true: only the unread ones; false: only the read.")),
            *PAGE_PARAMETERS,
        ],
        responses=NotificationPageSerializer,
    )
    def get(self, request):
        query = validated(NotificationListQuerySerializer, request.query_params)
        unread = {"true": True, "false": False}.get(query.get("unread"))
        notifications = services.notification_list_for(user=request.user, unread=unread)
        response = paginated_response(request, self, notifications, NotificationSerializer)
        response.data["unread"] = services.notification_unread_count(user=request.user)
        return response


class NotificationReadView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Mark one of your notifications read",
        request=None, responses=NotificationSerializer,
        description=_("Another person's notification is a 404."),
    )
    def post(self, request, pk):
        notification = services.notification_read(user=request.user, notification_pk=pk)
        return Response(NotificationSerializer(notification).data)


class NotificationReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(min_value=0, help_text=_("How many were unread."))
    unread = serializers.IntegerField(min_value=0)


class NotificationReadAllView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Mark all your notifications read", request=None,
                   responses=NotificationReadAllSerializer)
    def post(self, request):
        marked = services.notification_read_all(user=request.user)
        return Response(NotificationReadAllSerializer({"marked": marked, "unread": 0}).data)


class NotificationPreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    in_app = serializers.BooleanField(help_text=_("Always on."))
    email = serializers.BooleanField()
    gateway = serializers.BooleanField(
        help_text=_("WhatsApp/SMS, to the phone of the account, when the platform has a "
                    "gateway configured.")
    )


class NotificationPreferencesSerializer(serializers.Serializer):
    preferences = NotificationPreferenceSerializer(many=True)


class JsonBooleanField(serializers.BooleanField):
    """true or false, as JSON writes them: DRF's own also takes 0, "yes", "on"."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class NotificationPreferenceChangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Notification.Kind.choices)
    email = JsonBooleanField(required=False)
    gateway = JsonBooleanField(required=False)


class NotificationPreferencesChangeSerializer(serializers.Serializer):
    preferences = NotificationPreferenceChangeSerializer(many=True, max_length=100)


class NotificationPreferencesView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Your notification channels, per kind",
        responses=NotificationPreferencesSerializer,
        description=_(
            "Every kind with its channels: in-app always; e-mail on by default for orders, "
            "a cooperative's verification and the monthly report; WhatsApp/SMS off by default."
        ),
    )
    def get(self, request):
        payload = {"preferences": services.preferences_for(user=request.user)}
        return Response(NotificationPreferencesSerializer(payload).data)

    @extend_schema(
        summary="Choose your notification channels",
        request=NotificationPreferencesChangeSerializer,
        responses=NotificationPreferencesSerializer,
        description=_(
            "Only the kinds and channels named change; in-app is always on. A staff "
            "invitation is told in-app only (its own e-mail goes anyway): turning its "
            "e-mail on is a 400."
        ),
    )
    def patch(self, request):
        body = validated(NotificationPreferencesChangeSerializer, request.data)
        changes = [dict(change) for change in body["preferences"]]
        payload = {"preferences": services.preferences_update(user=request.user,
                                                             changes=changes)}
        return Response(NotificationPreferencesSerializer(payload).data)
