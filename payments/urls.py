from django.urls import path

from payments import api

urlpatterns = [
    path("payments/stripe/webhook/", api.StripeWebhookView.as_view(), name="stripe-webhook"),
    path("payments/<int:pk>/", api.PaymentDetailView.as_view(), name="payment-detail"),
    path("payments/<int:pk>/proof/", api.PaymentProofView.as_view(), name="payment-proof"),
    path("payments/<int:pk>/confirm/", api.PaymentConfirmView.as_view(), name="payment-confirm"),
    path("cooperatives/<slug:slug>/ledger/", api.LedgerView.as_view(), name="ledger"),
    path("cooperatives/<slug:slug>/payouts/", api.PayoutView.as_view(), name="payouts"),
]
