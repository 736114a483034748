"""The finance desk, under /finance/: platform finance staff only."""

from django.urls import path

from frontend.views import finance

urlpatterns = [
    path("", finance.transfers, name="finance"),
    path("transfers/<int:pk>/", finance.transfer, name="finance-transfer"),
    path("transfers/<int:pk>/proof/", finance.transfer_proof, name="finance-proof"),
    path("payouts/", finance.payouts, name="finance-payouts"),
    path("refunds/", finance.refunds, name="finance-refunds"),
]
