"""The finance desk: bank transfers to confirm, payouts due, failed refunds.

For platform finance staff (market.policies.is_finance_staff; the platform admin too) only:
anyone else gets 404, as the API answers them for a payment that is not theirs.
"""

import uuid
from functools import wraps

from csp.decorators import csp_replace
from django import forms
from django.contrib import admin, messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_http_methods

from catalog.models import MAX_PRICE
from frontend.pages import error_fields, flash_error, login_required, paginate
from market import selectors as market_selectors
from market.documents import PDF_CONTENT_TYPE
from market.downloads import private_file_response
from market.errors import DomainError, NotFound
from market.policies import is_finance_staff
from payments import selectors, services
from payments.models import Refund, payment_pk_of_transfer_reference
from payments.proofs import proof_content_type

PAGE_SIZE = 25


def finance_required(view):
    """Logged in (else to the log-in page) and finance staff (else 404)."""

    @login_required
    @wraps(view)
    def checked(request, *args, **kwargs):
        if not is_finance_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return checked


def _transfer(request, pk: int):
    try:
        return selectors.transfer_get_for_finance(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


# ---------------------------------------------------------------- bank transfers


@finance_required
def transfers(request):
    """Bank transfers awaiting confirmation (with a proof first), or the one a reference names."""
    searched = request.GET.get("q", "").strip()
    reference_pk = payment_pk_of_transfer_reference(searched) if searched else None
    search_error = ""
    if searched and reference_pk is None:
        search_error = _("No transfer reference like PK000123 in that text.")
        found = selectors.transfer_list_for_finance().none()
    else:
        found = selectors.transfer_list_for_finance(reference_pk=reference_pk)
    page, page_numbers = paginate(request, found, PAGE_SIZE)
    return render(request, "frontend/finance/transfers.html", {
        "section": "transfers", "page": page, "page_numbers": page_numbers,
        "searched": searched, "search_error": search_error,
    }, status=400 if search_error else 200)


@finance_required
@require_http_methods(["GET", "POST"])
def transfer(request, pk):
    """One transfer: its proof, what was due, its orders; POST confirms the money came in."""
    payment = _transfer(request, pk)
    if request.method == "POST":
        try:
            services.payment_confirm_transfer(actor=request.user, payment=payment)
        except DomainError as error:
            flash_error(request, error)
            return redirect("frontend:finance-transfer", pk=payment.pk)
        messages.success(request, _("Transfer %(reference)s confirmed: its orders are paid.")
                         % {"reference": payment.transfer_reference})
        return redirect("frontend:finance")
    proof_type = proof_content_type(payment.proof.name) if payment.proof else ""
    return render(request, "frontend/finance/transfer.html", {
        "section": "transfers",
        "payment": payment,
        "orders": payment.checkout.orders.all(),
        "instructions": selectors.bank_transfer_instructions(payment),
        "proof_is_image": proof_type.startswith("image/"),
        "proof_is_pdf": proof_type == PDF_CONTENT_TYPE,
    })


@finance_required
@xframe_options_sameorigin
@csp_replace({"frame-ancestors": ["'self'"]})
def transfer_proof(request, pk):
    """The proof, inline, for the transfer page to show (an <img>, or a PDF in a frame)."""
    _transfer(request, pk)
    try:
        payment = selectors.payment_proof_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    extension = payment.proof.name.rsplit(".", 1)[-1]
    return private_file_response(
        payment.proof, filename=f"proof-{payment.pk}.{extension}",
        content_type=proof_content_type(payment.proof.name), inline=True,
    )


# ---------------------------------------------------------------- payouts


class PayoutForm(forms.Form):
    """What POST /cooperatives/{slug}/payouts/ takes (payments.api.PayoutSerializer), per row."""

    cooperative = forms.SlugField(max_length=220)
    amount = forms.IntegerField(
        min_value=1, max_value=MAX_PRICE * 1000,
        error_messages={"required": gettext_lazy("Enter the amount transferred.")},
    )
    reference = forms.CharField(
        max_length=100,
        error_messages={"required": gettext_lazy("Enter the bank's reference of the transfer.")},
    )
    idempotency_key = forms.CharField(max_length=255, required=False)


FORM_FIELDS = ("amount", "reference")


def _payouts_page(request, *, sent=None, errors=None, status=200):
    """The payouts due; after a refusal, the form sent shows what was typed and why not."""
    page, page_numbers = paginate(request, selectors.payout_due_list(), PAGE_SIZE)
    errors = errors or {}
    shown = False
    for cooperative in page:
        # One key per form shown: the same form sent twice makes one payout.
        cooperative.payout_key = uuid.uuid4().hex
        cooperative.payout_sent, cooperative.payout_errors = {}, {}
        if sent and cooperative.slug == sent.get("cooperative"):
            shown = True
            cooperative.payout_key = sent.get("idempotency_key") or cooperative.payout_key
            cooperative.payout_sent = sent
            cooperative.payout_errors = {
                **{name: errors.get(name, []) for name in FORM_FIELDS},
                "other": [text for name, texts in errors.items() if name not in FORM_FIELDS
                          for text in texts],
            }
    if errors and not shown:  # its cooperative is on another page, or no longer due
        for texts in errors.values():
            for text in texts:
                messages.error(request, text)
    return render(request, "frontend/finance/payouts.html", {
        "section": "payouts", "page": page, "page_numbers": page_numbers,
    }, status=status)


@finance_required
@require_http_methods(["GET", "POST"])
def payouts(request):
    """Per cooperative what the platform holds for it, and a form to record a payout made."""
    if request.method != "POST":
        return _payouts_page(request)
    form = PayoutForm(request.POST)
    if not form.is_valid():
        if "cooperative" in form.errors:
            raise Http404
        return _payouts_page(request, sent=form.data, errors=form.errors, status=400)
    data = form.cleaned_data
    try:
        cooperative = market_selectors.cooperative_get_for(
            user=request.user, slug=data["cooperative"]
        )
    except NotFound:
        raise Http404 from None
    try:
        payout = services.payout_create(
            actor=request.user, cooperative=cooperative, amount=data["amount"],
            reference=data["reference"], idempotency_key=data["idempotency_key"],
        )
    except DomainError as error:
        return _payouts_page(request, sent=form.data, errors=error_fields(error), status=400)
    messages.success(request, _("Payout %(reference)s to %(cooperative)s recorded.")
                     % {"reference": payout.reference, "cooperative": cooperative.name})
    return redirect("frontend:finance-payouts")


# ---------------------------------------------------------------- refunds


def _admin_shows_refunds(request) -> bool:
    """The admin lets this user see refunds (their pages are linked); its own rule."""
    return (admin.site.is_registered(Refund) and admin.site.has_permission(request)
            and admin.site.get_model_admin(Refund).has_view_permission(request))


@finance_required
def refunds(request):
    """Refunds the provider refused: what they counted was given back to their orders."""
    page, page_numbers = paginate(request, selectors.refund_list_failed(), PAGE_SIZE)
    return render(request, "frontend/finance/refunds.html", {
        "section": "refunds", "page": page, "page_numbers": page_numbers,
        "admin_refunds": _admin_shows_refunds(request),
    })
