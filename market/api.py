"""HTTP API of the marketplace core: parse, call a service or selector, serialize."""

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from market import selectors
from market.api_support import paginated_response, paginated_schema, validated
from market.documents import PDF_CONTENT_TYPE
from market.downloads import AnyAcceptNegotiation, private_file_response
from market.models import Cooperative, Membership, RatMeeting, Region
from market.parsers import JSONParser
from market.policies import can_manage_members, can_view_private_cooperative, ensure
from market.schema import conflict_response, error_response
from market.services import accounts, cooperatives, members
from market.throttles import PER_CLIENT, PER_CLIENT_AND_USER

LONG_TEXT_MAX_LENGTH = 5_000  # free-text fields (descriptions, RAT notes), in characters


# ---------------------------------------------------------------- accounts


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(write_only=True, max_length=128)
    name = serializers.CharField(max_length=150)
    phone = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, required=False,
        help_text=_("Of your pages, answers and mails; default: this request's language."),
    )


class UserOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField()


class RegisterView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = PER_CLIENT
    throttle_scope = "signup"

    @extend_schema(summary="Sign up", request=RegisterInputSerializer,
                   responses={201: UserOutputSerializer})
    def post(self, request):
        data = validated(RegisterInputSerializer, request.data)
        # Chosen by LocaleMiddleware from the cookie or Accept-Language (else Bahasa Indonesia).
        data.setdefault("language", translation.get_language())
        user = accounts.user_register(**data)
        return Response(UserOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    password = serializers.CharField(max_length=128)


class TokenOutputSerializer(serializers.Serializer):
    token = serializers.CharField()
    expires_at = serializers.DateTimeField()


class TokenView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = PER_CLIENT
    throttle_scope = "token"

    @extend_schema(summary="Log in: a token for the e-mail and password",
                   request=TokenInputSerializer, responses=TokenOutputSerializer)
    def post(self, request):
        data = validated(TokenInputSerializer, request.data)
        token, expires_at = accounts.token_issue(
            request=request._request, email=data["email"], password=data["password"]
        )
        return Response(TokenOutputSerializer({"token": token, "expires_at": expires_at}).data)


class LogoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Log out: revoke the token sent", request=None,
                   responses={204: None})
    def post(self, request):
        accounts.token_revoke(request=request._request, token=request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VerifyEmailInputSerializer(serializers.Serializer):
    token = serializers.CharField(
        max_length=1000, help_text=_("The `token` of the link mailed to the address."),
    )


class VerifyEmailOutputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    verified_at = serializers.DateTimeField(source="email_verified_at")


class VerifyEmailView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = PER_CLIENT
    throttle_scope = "verify"

    @extend_schema(
        summary="Verify your e-mail address with the token mailed to it",
        request=VerifyEmailInputSerializer, responses=VerifyEmailOutputSerializer,
        description=_(
            "The token comes in the link mailed at sign-up (or sent again). It works once, "
            "for the address it was mailed to, for a few days (EMAIL_VERIFICATION_MAX_AGE_DAYS, "
            "3 unless configured); otherwise a 400 naming `token`."
        ),
    )
    def post(self, request):
        data = validated(VerifyEmailInputSerializer, request.data)
        user = accounts.user_email_verify(token=data["token"])
        return Response(VerifyEmailOutputSerializer(user).data)


class VerifyEmailResendOutputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    sent = serializers.BooleanField(
        help_text=_("False when the address is verified already (then nothing is sent).")
    )


class VerifyEmailResendView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = PER_CLIENT_AND_USER
    throttle_scope = "verify_resend"

    @extend_schema(
        summary="Mail a new link to verify your e-mail address",
        request=None, responses={202: VerifyEmailResendOutputSerializer},
        description=_(
            "Mails a new verification link to the caller's address (the earlier ones keep "
            "working until they expire). An address already verified gets nothing."
        ),
    )
    def post(self, request):
        sent = accounts.user_email_verification_send(user=request.user)
        answer = {"email": request.user.email, "sent": sent}
        return Response(VerifyEmailResendOutputSerializer(answer).data,
                        status=status.HTTP_202_ACCEPTED)


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(help_text=_("The address of the account."))


class PasswordResetOutputSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What happens next, for people to read."))


class PasswordResetView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = PER_CLIENT
    throttle_scope = "password_reset"

    @extend_schema(
        summary="Forgot your password: mail a link to set a new one",
        request=PasswordResetInputSerializer,
        responses={202: OpenApiResponse(
            PasswordResetOutputSerializer,
            description=_("The same answer whether or not the address has an account."),
        )},
        description=_(
            "Always 202 with the same body, whether or not the address has an account: the "
            "answer reveals nothing. An active account's address is mailed a link with a "
            "`uid` and a `token` for POST /auth/password-reset/confirm/; it works once, until "
            "the password changes or the account logs in, for PASSWORD_RESET_TIMEOUT seconds "
            "(a day unless configured)."
        ),
    )
    def post(self, request):
        data = validated(PasswordResetInputSerializer, request.data)
        accounts.password_reset_request(email=data["email"])
        answer = {"detail": _("If this address has an account, a link to set a new password "
                              "is on its way to it.")}
        return Response(PasswordResetOutputSerializer(answer).data, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text=_("The `uid` of the mailed link."))
    token = serializers.CharField(max_length=128, help_text=_("The `token` of the mailed link."))
    password = serializers.CharField(write_only=True, max_length=128,
                                     help_text=_("The new password."))


class PasswordResetConfirmView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = PER_CLIENT
    throttle_scope = "password_reset_confirm"

    @extend_schema(
        summary="Set a new password with the link mailed to you",
        request=PasswordResetConfirmInputSerializer,
        responses={200: OpenApiResponse(
            PasswordResetOutputSerializer,
            description=_("The password is set; every token of the account is revoked."),
        )},
        description=_(
            "Sets the new password, logs the account out everywhere (every API token is "
            "revoked), lifts a log-in lockout and marks the address verified (the link "
            "proves the mailbox). A link that is invalid, used or expired is a 400 naming "
            "`token`; a password too weak or too like the account's e-mail, name or phone a "
            "400 naming `password`, and nothing changes."
        ),
    )
    def post(self, request):
        data = validated(PasswordResetConfirmInputSerializer, request.data)
        accounts.password_reset_confirm(**data)
        answer = {"detail": _("Your password is set. Log in with it.")}
        return Response(PasswordResetOutputSerializer(answer).data)


class MeCooperativeSerializer(serializers.Serializer):
    slug = serializers.CharField(source="cooperative.slug")
    name = serializers.CharField(source="cooperative.name")
    role = serializers.CharField()
    membership_id = serializers.IntegerField(
        source="pk", help_text=_("To leave: DELETE /cooperatives/{slug}/members/{membership_id}/")
    )


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    email_verified = serializers.BooleanField(
        help_text=_("Whether the address is verified; invitations need a verified one."),
    )
    name = serializers.CharField()
    phone = serializers.CharField()
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        help_text=_("Of your pages, API answers and mails, whatever the browser asks for."),
    )
    cooperatives = MeCooperativeSerializer(many=True)
    dinas_regions = serializers.ListField(child=serializers.CharField())


class MeUpdateSerializer(serializers.Serializer):
    language = serializers.ChoiceField(choices=settings.LANGUAGES)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Your account, cooperatives and dinas regions",
                   responses=MeOutputSerializer)
    def get(self, request):
        return Response(_me(request.user))

    @extend_schema(summary="Choose your language", request=MeUpdateSerializer,
                   responses=MeOutputSerializer)
    def patch(self, request):
        data = validated(MeUpdateSerializer, request.data)
        user = accounts.user_language_set(user=request.user, language=data["language"])
        return Response(_me(user))


def _me(user) -> dict:
    return MeOutputSerializer({
        "id": user.pk,
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
        "phone": user.phone,
        "language": user.language,
        "cooperatives": selectors.user_cooperatives(user=user),
        "dinas_regions": selectors.user_dinas_region_codes(user=user),
    }).data


class InvitationCooperativeSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MyInvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative = InvitationCooperativeSerializer()
    role = serializers.CharField()
    invited_by = serializers.CharField(
        source="invited_by.name", allow_null=True, default=None,
        help_text=_("The inviting owner's name."),
    )
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class InvitationAnswerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["accepted", "declined"])
    cooperative = InvitationCooperativeSerializer()
    role = serializers.CharField(
        help_text=_("The role held now; a member already keeps the role they had.")
    )
    membership_id = serializers.IntegerField(allow_null=True)


INVITATION_CONFLICTS = ("invitation_expired", "invitation_answered")
EMAIL_UNVERIFIED = error_response(
    _("Logged in, but the e-mail address is not verified yet: `code` `email_unverified`.")
)


class MyInvitationsView(APIView):
    permission_classes = [IsAuthenticated]

    @paginated_schema(
        MyInvitationSerializer,
        summary="Your pending invitations to a cooperative's staff",
        description=_(
            "The caller's pending, unexpired invitations to a cooperative's management, "
            "matched by the caller's e-mail. Empty until that address is verified "
            "(`email_verified` in /me/; POST /auth/verify-email/): an unproven address "
            "sees nothing of what waits for it."
        ),
    )
    def get(self, request):
        invitations = selectors.invitation_list_for(user=request.user, now=timezone.now())
        return paginated_response(request, self, invitations, MyInvitationSerializer)


class MyInvitationAcceptView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Accept an invitation (you join the cooperative's staff)",
        request=None,
        responses={
            200: InvitationAnswerSerializer,
            403: EMAIL_UNVERIFIED,
            409: conflict_response(*INVITATION_CONFLICTS),
        },
        description=_(
            "The invitee joins with the invited role (someone already a member keeps their "
            "role). A caller whose e-mail is not verified is a 403 `email_unverified`, "
            "whatever the id. Another person's invitation is a 404; an expired one a 409 "
            "`invitation_expired`, an answered or cancelled one a 409 `invitation_answered`."
        ),
    )
    def post(self, request, pk):
        membership = members.invitation_accept(actor=request.user, invitation_pk=pk)
        answer = {"id": pk, "status": "accepted", "cooperative": membership.cooperative,
                  "role": membership.role, "membership_id": membership.pk}
        return Response(InvitationAnswerSerializer(answer).data)


class MyInvitationDeclineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Decline an invitation",
        request=None,
        responses={
            200: InvitationAnswerSerializer,
            403: EMAIL_UNVERIFIED,
            409: conflict_response(*INVITATION_CONFLICTS),
        },
        description=_("The invitee declines; the same 403, 404 and 409 answers as accepting."),
    )
    def post(self, request, pk):
        invitation = members.invitation_decline(actor=request.user, invitation_pk=pk)
        answer = {"id": invitation.pk, "status": "declined",
                  "cooperative": invitation.cooperative, "role": invitation.role,
                  "membership_id": None}
        return Response(InvitationAnswerSerializer(answer).data)


# ---------------------------------------------------------------- regions


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent.code", allow_null=True, default=None)

    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent"]


class RegionListQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=Region.Level.choices, required=False, allow_blank=True)
    parent = serializers.CharField(
        required=False, allow_blank=True, max_length=13,
        help_text=_("Only the direct children of this code."),
    )


class RegionListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = RegionSerializer
    pagination_class = None

    @extend_schema(
        summary="List the regions (not paginated)", parameters=[RegionListQuerySerializer],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        return selectors.region_list(
            **validated(RegionListQuerySerializer, self.request.query_params)
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
        extra_kwargs = {
            # Uniqueness is the service's to check, under its transaction.
            "nik": {"validators": [Cooperative._meta.get_field("nik").validators[0]]},
            "description": {"max_length": LONG_TEXT_MAX_LENGTH},
        }


class CooperativeUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Cooperative
        fields = [
            "name", "legal_number", "kind", "address", "phone", "email", "description",
            "members_count",
        ]
        # A PATCH names only what changes.
        extra_kwargs = {
            **dict.fromkeys(fields, {"required": False}),
            "description": {"max_length": LONG_TEXT_MAX_LENGTH, "required": False},
        }


class CooperativeListQuerySerializer(serializers.Serializer):
    region = serializers.CharField(
        required=False, allow_blank=True, max_length=13, default="",
        help_text=_("Region code; includes sub-regions."),
    )
    q = serializers.CharField(required=False, allow_blank=True, max_length=200, default="",
                              help_text=_("Words in the name or description."))
    status = serializers.ChoiceField(
        choices=Cooperative.Status.choices, required=False, allow_blank=True, default="",
        help_text=_(
            "Blank or `verified`: the market's list, by name. Another status lists what the "
            "caller may see in it, oldest first: a dinas officer the cooperatives of their "
            "regions (`pending` is the verification queue), staff their own."
        ),
    )


class CooperativeListCreateView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]

    @paginated_schema(
        CooperativeListSerializer,
        summary="List the verified cooperatives, or the verification queue",
        parameters=[CooperativeListQuerySerializer],
    )
    def get(self, request):
        query = validated(CooperativeListQuerySerializer, request.query_params)
        listed = selectors.cooperative_list_for(user=request.user, **query)
        return paginated_response(request, self, listed, CooperativeListSerializer)

    @extend_schema(
        summary="Register a cooperative (you become its owner)",
        request=CooperativeCreateSerializer, responses={201: CooperativeDetailSerializer},
    )
    def post(self, request):
        data = validated(CooperativeCreateSerializer, request.data)
        cooperative = cooperatives.cooperative_register(owner=request.user, **data)
        return _cooperative_detail(request, cooperative.slug, code=status.HTTP_201_CREATED)


class CooperativeDetailView(APIView):
    permission_classes = [IsAuthenticatedOrReadOnly]
    parser_classes = [JSONParser]  # the logo has its own upload (CooperativeLogoView)

    @extend_schema(summary="Get a cooperative's profile", responses=CooperativeDetailSerializer)
    def get(self, request, slug):
        return _cooperative_detail(request, slug)

    @extend_schema(summary="Change a cooperative's profile", request=CooperativeUpdateSerializer,
                   responses=CooperativeDetailSerializer)
    def patch(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(CooperativeUpdateSerializer, request.data, partial=True)
        cooperatives.cooperative_update(actor=request.user, cooperative=cooperative, **data)
        return _cooperative_detail(request, slug)


def _cooperative_detail(request, slug: str, code: int = status.HTTP_200_OK) -> Response:
    """The cooperative as the caller may see it now (after a change: reloaded, annotated)."""
    cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
    data = CooperativeDetailSerializer(cooperative, context={"request": request}).data
    return Response(data, status=code)


class LogoUploadSerializer(serializers.Serializer):
    logo = serializers.ImageField()


class CooperativeLogoView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]
    throttle_classes = PER_CLIENT_AND_USER
    throttle_scope = "upload"  # decoding an image costs CPU and memory in the web worker

    @extend_schema(summary="Replace a cooperative's logo", request=LogoUploadSerializer,
                   responses=CooperativeDetailSerializer)
    def put(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(LogoUploadSerializer, request.data)
        cooperatives.cooperative_update(actor=request.user, cooperative=cooperative, **data)
        return _cooperative_detail(request, slug)


class VerifyInputSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=cooperatives.VERIFY_DECISIONS)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)


class CooperativeVerifyView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Verify, reject or suspend a cooperative (dinas)", request=VerifyInputSerializer,
        responses={200: CooperativeDetailSerializer, 409: conflict_response("nik_taken")},
    )
    def post(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(VerifyInputSerializer, request.data)
        cooperatives.cooperative_verify(actor=request.user, cooperative=cooperative, **data)
        return _cooperative_detail(request, slug)


class MemberInputSerializer(serializers.Serializer):
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MemberOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text=_("The membership's id (to remove it)."))
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.name")
    role = serializers.CharField()
    created_at = serializers.DateTimeField()


class InvitationSentSerializer(serializers.Serializer):
    """The same answer whether or not the address has an account."""

    id = serializers.IntegerField(help_text=_("The invitation's id (to cancel it)."))
    email = serializers.EmailField()
    role = serializers.CharField()
    status = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=["invited"]))
    def get_status(self, invitation) -> str:
        return "invited"


class CooperativeInvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField()
    status = serializers.SerializerMethodField(
        help_text=_("`invited`, or `expired` once past expires_at (inviting again renews it).")
    )
    invited_by = serializers.CharField(source="invited_by.name", allow_null=True, default=None)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()

    @extend_schema_field(serializers.ChoiceField(choices=["invited", "expired"]))
    def get_status(self, invitation) -> str:
        return "expired" if invitation.is_expired(self.context["now"]) else "invited"


class CooperativeMembersView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = PER_CLIENT_AND_USER  # counts invitations (writes) only
    throttle_scope = "invite"

    @paginated_schema(
        MemberOutputSerializer,
        summary="List a cooperative's staff",
        description=_(
            "The members of the cooperative's management (owner only). Pending invitations "
            "are listed apart, at /cooperatives/{slug}/invitations/."
        ),
    )
    def get(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        ensure(can_manage_members(request.user, cooperative))
        memberships = selectors.membership_list(cooperative=cooperative)
        return paginated_response(request, self, memberships, MemberOutputSerializer)

    @extend_schema(
        summary="Invite someone to a cooperative's staff",
        request=MemberInputSerializer,
        responses={201: InvitationSentSerializer, 409: conflict_response("cooperative_not_active")},
        description=_(
            "Invite an e-mail address (owner only). The answer is the same whether or not the "
            "address has an account; the invitee gets an e-mail and becomes a member only by "
            "accepting (with a verified address). Inviting a pending address again renews its "
            "invitation (same id). An address that is already a member is a 400; a rejected "
            "or suspended cooperative cannot invite: 409 `cooperative_not_active`. Invitations "
            "are rate-limited per account and per client (429)."
        ),
    )
    def post(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(MemberInputSerializer, request.data)
        invitation = members.invitation_send(actor=request.user, cooperative=cooperative, **data)
        return Response(InvitationSentSerializer(invitation).data, status=status.HTTP_201_CREATED)


class CooperativeMemberDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Remove a member of the staff, or leave",
        responses={204: None, 409: conflict_response("last_owner")},
        description=_(
            "The owner removes a member, or a member leaves (their own membership id, as "
            "in /me/). The last owner cannot be removed or leave: 409 `last_owner`."
        ),
    )
    def delete(self, request, slug, pk):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        members.membership_remove(actor=request.user, cooperative=cooperative, membership_pk=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CooperativeInvitationsView(APIView):
    permission_classes = [IsAuthenticated]

    @paginated_schema(
        CooperativeInvitationSerializer,
        summary="List a cooperative's unanswered invitations",
        description=_("The cooperative's unanswered invitations, expired ones too (owner only)."),
    )
    def get(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        ensure(can_manage_members(request.user, cooperative))
        invitations = selectors.invitation_list_pending(cooperative=cooperative)
        return paginated_response(
            request, self, invitations, CooperativeInvitationSerializer, now=timezone.now()
        )


class CooperativeInvitationDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Cancel an invitation",
        responses={204: None, 409: conflict_response("invitation_answered")},
        description=_(
            "The owner cancels a pending invitation; an answered one is a 409 "
            "`invitation_answered`."
        ),
    )
    def delete(self, request, slug, pk):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        members.invitation_cancel(actor=request.user, cooperative=cooperative, invitation_pk=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RatSerializer(serializers.ModelSerializer):
    minutes = serializers.SerializerMethodField(
        help_text=_("Where to download the minutes (a PDF), or null when none were attached."),
    )

    class Meta:
        model = RatMeeting
        fields = ["id", "held_on", "attendance", "members_total", "notes", "created_at",
                  "minutes"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"notes": {"max_length": LONG_TEXT_MAX_LENGTH}}
        validators: list = []  # the service checks one RAT per day, with a clear message

    def get_minutes(self, meeting) -> str | None:
        if not meeting.minutes:
            return None
        url = reverse("cooperative-rat-minutes", args=[meeting.cooperative.slug, meeting.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class RatInputSerializer(RatSerializer):
    """A RAT record as multipart/form-data, which may carry the minutes."""

    minutes = serializers.FileField(
        required=False, help_text=_("The minutes (notulen) of the meeting, a PDF."),
    )


class RatMinutesUploadSerializer(serializers.Serializer):
    minutes = serializers.FileField(help_text=_("The minutes (notulen) of the meeting, a PDF."))


class CooperativeRatView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = PER_CLIENT_AND_USER

    @property
    def throttle_scope(self) -> str | None:
        # A record with a file counts against the upload limits; a JSON record does not.
        request = getattr(self, "request", None)
        multipart = request is not None and request.content_type.startswith("multipart/")
        return "upload" if multipart else None

    @paginated_schema(RatSerializer, summary="List a cooperative's RAT meetings")
    def get(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        ensure(can_view_private_cooperative(request.user, cooperative))
        meetings = selectors.rat_meeting_list(cooperative=cooperative)
        return paginated_response(request, self, meetings, RatSerializer)

    @extend_schema(
        summary="Record a RAT meeting",
        request={"application/json": RatSerializer, "multipart/form-data": RatInputSerializer},
        responses={201: RatSerializer},
        description=_(
            "JSON, or multipart/form-data with the same fields and optionally `minutes`, the "
            "meeting's minutes as a PDF (checked by content: no scripts, actions or attached "
            "files). A file that is not such a PDF is a 400 naming `minutes`, and nothing is "
            "recorded. Multipart records count against the upload rate limits."
        ),
    )
    def post(self, request, slug):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(RatInputSerializer, request.data)
        meeting = cooperatives.rat_record(actor=request.user, cooperative=cooperative, **data)
        return Response(RatSerializer(meeting, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class CooperativeRatMinutesView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser]
    throttle_classes = PER_CLIENT_AND_USER
    throttle_scope = "upload"
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        summary="Download a RAT meeting's minutes (its staff, dinas in scope)",
        responses={
            (200, PDF_CONTENT_TYPE): OpenApiTypes.BINARY,
            404: OpenApiResponse(description=_("No minutes, or not the caller's to see.")),
        },
        description=_(
            "The minutes as a PDF attachment, to whoever may read the cooperative's RAT "
            "records: its staff, dinas officers whose regions contain it, platform admins."
        ),
    )
    def get(self, request, slug, pk):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        meeting = selectors.rat_meeting_minutes_get_for(
            user=request.user, cooperative=cooperative, pk=pk
        )
        return private_file_response(
            meeting.minutes, filename=f"rat-minutes-{meeting.held_on.isoformat()}.pdf",
            content_type=PDF_CONTENT_TYPE,
        )

    @extend_schema(
        summary="Attach or replace a RAT meeting's minutes (owner, manager)",
        request=RatMinutesUploadSerializer, responses=RatSerializer,
        description=_(
            "Multipart `minutes`, a PDF checked as when recording the meeting; it replaces "
            "any minutes attached before. A file that is not such a PDF is a 400 naming "
            "`minutes`, and the meeting keeps what it had."
        ),
    )
    def put(self, request, slug, pk):
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(RatMinutesUploadSerializer, request.data)
        meeting = cooperatives.rat_minutes_attach(
            actor=request.user, cooperative=cooperative, meeting_pk=pk, **data
        )
        return Response(RatSerializer(meeting, context={"request": request}).data)


# ---------------------------------------------------------------- service


COMPONENT_STATES = ["ok", "down", "disabled"]
HEALTH_OUTPUT = inline_serializer("HealthOutput", {
    name: serializers.ChoiceField(choices=COMPONENT_STATES)
    for name in ("database", "cache", "broker")
})


class HealthView(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Health of the database, cache and broker",
        responses=dict.fromkeys((200, 503), HEALTH_OUTPUT),
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
