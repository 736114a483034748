"""HTTP API of payments, refunds and the cooperative ledger."""

import stripe
from django.conf import settings
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from market import selectors as market_selectors
from market.api_support import PageNumberPagination, validated
from market.errors import InvalidInput
from market.policies import can_manage_cooperative, ensure
from payments import selectors, services
from payments.webhooks import stripe_event_handle


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    method = serializers.CharField()
    status = serializers.CharField()
    amount = serializers.IntegerField()
    refunded_amount = serializers.IntegerField()
    client_secret = serializers.CharField()
    has_proof = serializers.SerializerMethodField()

    def get_has_proof(self, payment) -> bool:
        return bool(payment.proof)


class PaymentDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=PaymentSerializer)
    def get(self, request, pk):
        return Response(PaymentSerializer(selectors.payment_get_for(user=request.user, pk=pk)).data)


class ProofUploadSerializer(serializers.Serializer):
    image = serializers.FileField()


class PaymentProofView(APIView):
    permission_classes = [IsAuthenticated]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ProofUploadSerializer, responses=PaymentSerializer)
    def post(self, request, pk):
        payment = selectors.payment_get_for(user=request.user, pk=pk)
        data = validated(ProofUploadSerializer, request.data)
        payment = services.payment_proof_upload(
            actor=request.user, payment=payment, upload=data["image"]
        )
        return Response(PaymentSerializer(payment).data)


class PaymentConfirmView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=PaymentSerializer)
    def post(self, request, pk):
        payment = selectors.payment_get_for(user=request.user, pk=pk)
        payment = services.payment_confirm_transfer(actor=request.user, payment=payment)
        return Response(PaymentSerializer(payment).data)


@method_decorator(csrf_exempt, name="dispatch")
class StripeWebhookView(APIView):
    """Stripe calls this; only a valid `Stripe-Signature` gets anything done."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=None, responses={200: None, 400: None})
    def post(self, request):
        try:
            event = stripe.Webhook.construct_event(
                request.body, request.headers.get("Stripe-Signature", ""),
                settings.STRIPE_WEBHOOK_SECRET,
            )
        except (ValueError, stripe.SignatureVerificationError) as error:
            raise InvalidInput(fields={"Stripe-Signature": str(error)}) from error
        processed = stripe_event_handle(event=event.to_dict())
        return Response({"processed": processed})


class LedgerEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    amount = serializers.IntegerField()
    commission = serializers.IntegerField()
    order = serializers.CharField(source="order.number", default=None)


class LedgerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer("Ledger", {
            "balance": serializers.IntegerField(),
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
        return Response({
            "balance": services.ledger_balance(cooperative),
            "count": paginator.page.paginator.count,
            "next": paginator.get_next_link(),
            "previous": paginator.get_previous_link(),
            "entries": LedgerEntrySerializer(page, many=True).data,
        })


class PayoutSerializer(serializers.Serializer):
    amount = serializers.IntegerField(min_value=1)
    reference = serializers.CharField(max_length=100)


class PayoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=PayoutSerializer, responses={201: PayoutSerializer})
    def post(self, request, slug):
        cooperative = market_selectors.cooperative_get_for(user=request.user, slug=slug)
        data = validated(PayoutSerializer, request.data)
        payout = services.payout_create(actor=request.user, cooperative=cooperative, **data)
        return Response(
            {"id": payout.pk, "amount": payout.amount, "reference": payout.reference,
             "balance": services.ledger_balance(cooperative)},
            status=status.HTTP_201_CREATED,
        )
