"""HTTP API of payments, refunds and the cooperative ledger."""

import json

import stripe
from django.conf import settings
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import MAX_PRICE
from market import selectors as market_selectors
from market.api_support import (
    IDEMPOTENCY_KEY_OPTIONAL,
    PAGE_PARAMETERS,
    PageNumberPagination,
    idempotency_key_of,
    validated,
)
from market.downloads import AnyAcceptNegotiation, private_file_response
from market.errors import InvalidInput, NotFound
from market.policies import can_manage_cooperative, ensure
from market.schema import conflict_response, error_response
from market.throttles import PER_CLIENT_AND_USER
from payments import selectors, services
from payments.proofs import CONTENT_TYPES as PROOF_CONTENT_TYPES
from payments.proofs import proof_content_type
from payments.providers.stripe import is_configured as stripe_is_configured
from payments.webhooks import stripe_event_check, stripe_event_handle


class BankTransferInstructionsSerializer(serializers.Serializer):
    """Where the buyer transfers the money: on a bank transfer awaiting it, else null."""

    bank = serializers.CharField()
    account_number = serializers.CharField()
    account_name = serializers.CharField()
    amount = serializers.IntegerField(help_text=_("Rupiah to transfer: the payment's amount."))
    reference = serializers.CharField(
        help_text=_("To write in the transfer's note, for finance to match it (PK000123).")
    )


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.IntegerField()
    refunded_amount = serializers.IntegerField()
    client_secret = serializers.CharField()
    has_proof = serializers.SerializerMethodField()
    instructions = serializers.SerializerMethodField()

    def get_has_proof(self, payment) -> bool:
        return bool(payment.proof)

    @extend_schema_field(BankTransferInstructionsSerializer(allow_null=True))
    def get_instructions(self, payment) -> dict | None:
        return selectors.bank_transfer_instructions(payment)


class PaymentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="Get a payment of yours", responses=PaymentSerializer)
    def get(self, request, pk):
        return Response(PaymentSerializer(selectors.payment_get_for(user=request.user, pk=pk)).data)


class ProofUploadSerializer(serializers.Serializer):
    image = serializers.FileField()


PROOF_MEDIA_TYPES = sorted(set(PROOF_CONTENT_TYPES.values()))


def proof_file_response(payment) -> HttpResponse:
    """The stored proof as an attachment; behind nginx, an `X-Accel-Redirect` to it."""
    name = payment.proof.name
    return private_file_response(
        payment.proof, filename=f"proof-{payment.pk}.{name.rsplit('.', 1)[-1]}",
        content_type=proof_content_type(name),
    )


class PaymentProofView(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = PER_CLIENT_AND_USER
    throttle_scope = "upload"
    parser_classes = [MultiPartParser, FormParser]
    content_negotiation_class = AnyAcceptNegotiation

    @extend_schema(
        summary="Download the bank-transfer proof (its buyer, platform finance staff)",
        responses={
            **{(200, media_type): OpenApiTypes.BINARY for media_type in PROOF_MEDIA_TYPES},
            404: OpenApiResponse(description=_("No proof, or not the caller's to see.")),
        },
        description=_(
            "The proof file as an attachment, to its buyer and platform finance staff."
        ),
    )
    def get(self, request, pk):
        return proof_file_response(selectors.payment_proof_get_for(user=request.user, pk=pk))

    @extend_schema(
        summary="Upload the bank-transfer proof (its buyer)", request=ProofUploadSerializer,
        responses={200: PaymentSerializer, 409: conflict_response("conflict")},
    )
    def post(self, request, pk):
        payment = selectors.payment_get_for(user=request.user, pk=pk)
        data = validated(ProofUploadSerializer, request.data)
        payment = services.payment_proof_upload(
            actor=request.user, payment=payment, upload=data["image"]
        )
        return Response(PaymentSerializer(payment).data)


class PaymentConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Confirm a bank transfer received (platform finance staff)", request=None,
        responses={200: PaymentSerializer, 409: conflict_response("conflict")},
    )
    def post(self, request, pk):
        payment = selectors.payment_get_for(user=request.user, pk=pk)
        payment = services.payment_confirm_transfer(actor=request.user, payment=payment)
        return Response(PaymentSerializer(payment).data)


@method_decorator(csrf_exempt, name="dispatch")
class StripeWebhookView(APIView):
    """Stripe calls this; only a valid `Stripe-Signature` gets anything done."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Stripe's events (signed by Stripe)",
        request={"application/json": {"type": "object", "description": "A Stripe event."}},
        parameters=[OpenApiParameter(
            "Stripe-Signature", location="header", description="Stripe's signature of the body."
        )],
        responses={
            200: inline_serializer(
                "StripeWebhookOutput", {"processed": serializers.BooleanField()}
            ),
            404: error_response("Stripe is not configured."),
        },
    )
    def post(self, request):
        # Unconfigured, nothing is signed: an empty secret would accept an empty signature.
        if not stripe_is_configured():
            raise NotFound()
        payload = request.body.decode("utf-8", errors="replace")
        try:
            stripe.WebhookSignature.verify_header(
                payload, request.headers.get("Stripe-Signature", ""),
                settings.STRIPE_WEBHOOK_SECRET, stripe.Webhook.DEFAULT_TOLERANCE,
            )
        except stripe.SignatureVerificationError as error:
            raise InvalidInput(fields={"Stripe-Signature": str(error)}) from error
        try:
            event = json.loads(payload)
        except ValueError as error:
            raise InvalidInput(fields={"event": _("Not JSON.")}) from error
        processed = stripe_event_handle(event=stripe_event_check(event))
        return Response({"processed": processed})


class LedgerEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    commission = serializers.IntegerField()
    order = serializers.CharField(source="order.number", default=None, allow_null=True)


class LedgerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A cooperative's ledger: balance and entries, one page at a time",
        parameters=PAGE_PARAMETERS,
        responses=inline_serializer("Ledger", {
            "balance": serializers.IntegerField(),
            "commission_owed": serializers.IntegerField(),
            "count": serializers.IntegerField(),
            "next": serializers.URLField(allow_null=True),
            "previous": serializers.URLField(allow_null=True),
            "entries": LedgerEntrySerializer(many=True),
        })
    )
    def get(self, request, slug):
        cooperative = market_selectors.cooperative_get_for(user=request.user, slug=slug)
        ensure(can_manage_cooperative(request.user, cooperative))
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(
            selectors.ledger_entries_of(cooperative=cooperative), request, view=self
        )
        totals = selectors.ledger_totals(cooperative=cooperative)
        return Response({
            "balance": totals.balance,
            "commission_owed": totals.commission_owed,
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "entries": LedgerEntrySerializer(page, many=True).data,
        })


class PayoutSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1, max_value=MAX_PRICE * 1000)
    reference = serializers.CharField(max_length=100)


class PayoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Pay a cooperative out (platform finance staff)",
        request=PayoutSerializer, parameters=[IDEMPOTENCY_KEY_OPTIONAL],
        responses={
            201: PayoutSerializer,
            409: conflict_response("conflict", description="More than the balance."),
            422: error_response("The Idempotency-Key was used before with a different body."),
        },
    )
    def post(self, request, slug):
        cooperative = market_selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(PayoutSerializer, request.data)
        payout = services.payout_create(
            actor=request.user, cooperative=cooperative,
            idempotency_key=idempotency_key_of(request), **data,
        )
        return Response(
            {"id": payout.pk, "amount": payout.amount, "reference": payout.reference,
             "balance": selectors.ledger_balance(cooperative)},
            status=status.HTTP_201_CREATED,
        )
