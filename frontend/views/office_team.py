"""The back office's people and records: staff, invitations, RAT, shipping, profile.

Who may do what is the API's: the owner manages the staff (every member may leave); owner
and manager record RATs, add shipping options and edit the profile; every staff member
reads the RAT records, the shipping options and the profile.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from catalog.models import MAX_PRICE
from frontend.office import office_context, office_cooperative
from frontend.pages import error_fields, flash_error, login_required, paginate
from market import selectors
from market.api import LONG_TEXT_MAX_LENGTH
from market.api_support import MAX_ID
from market.errors import DomainError
from market.models import Cooperative, Membership
from market.policies import can_manage_cooperative, can_manage_members
from market.services import cooperatives, members
from orders import selectors as order_selectors
from orders.models import ShippingOption
from orders.services import shipping as shipping_services

MEMBERS_PER_PAGE = 50
RAT_PER_PAGE = 20
MAX_COUNT = 2**31 - 1  # a PositiveIntegerField's largest value


class InviteForm(forms.Form):
    # Someone else's address: the browser must not offer the user's own.
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Membership.Role.choices,
                             initial=Membership.Role.STAFF)


class RatForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("Held on"),
                              widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    attendance = forms.IntegerField(label=gettext_lazy("Members present"), min_value=0,
                                    max_value=MAX_COUNT)
    members_total = forms.IntegerField(label=gettext_lazy("Members in total"), min_value=1,
                                       max_value=MAX_COUNT)
    notes = forms.CharField(label=gettext_lazy("Notes"), required=False,
                            max_length=LONG_TEXT_MAX_LENGTH,
                            widget=forms.Textarea(attrs={"rows": 4}))
    # The service checks the PDF (by its content); the form only carries it.
    minutes = forms.FileField(label=gettext_lazy("Minutes (PDF)"), required=False)


class ShippingOptionForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ShippingOption.Kind.choices)
    fee = forms.IntegerField(label=gettext_lazy("Fee (rupiah)"), min_value=0,
                             max_value=MAX_PRICE)


class ProfileForm(forms.Form):
    """The fields the API's PATCH /cooperatives/{slug}/ changes."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=200,
                           widget=forms.TextInput(attrs={"autocomplete": "organization"}))
    legal_number = forms.CharField(label=gettext_lazy("Legal entity number"), max_length=100)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Cooperative.Kind.choices)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300,
                              widget=forms.TextInput(attrs={"autocomplete": "street-address"}))
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254, required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    description = forms.CharField(label=gettext_lazy("Description"), required=False,
                                  max_length=LONG_TEXT_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    members_count = forms.IntegerField(label=gettext_lazy("Members"), min_value=0,
                                       max_value=MAX_COUNT)

    @classmethod
    def of(cls, cooperative: Cooperative) -> "ProfileForm":
        return cls(initial={name: getattr(cooperative, name) for name in cls.base_fields})


class LogoForm(forms.Form):
    # The service checks the image (Pillow, size, format) and re-encodes it.
    logo = forms.FileField(label=gettext_lazy("Logo (JPEG, PNG or WebP)"))


def _refused(form: forms.Form, error: DomainError) -> None:
    """A service's refusal as the form's errors, next to the fields it names."""
    for name, texts in error_fields(error).items():
        form.add_error(name if name in form.fields else None, texts)


def _status(form: forms.Form) -> int:
    return 400 if form.is_bound and form.errors else 200


# ---------------------------------------------------------------- staff


@login_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest, slug: str) -> HttpResponse:
    """The owner's page of the staff: members, pending invitations, invite, cancel, remove.

    Anyone else of the staff sees their own membership only (the API shows them no more),
    and may leave.
    """
    cooperative = office_cooperative(request, slug)
    invite_form = InviteForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "invite":
            invite_form = InviteForm(request.POST)
            if invite_form.is_valid():
                try:
                    members.invitation_send(actor=request.user, cooperative=cooperative,
                                            **invite_form.cleaned_data)
                except DomainError as error:
                    _refused(invite_form, error)
                else:
                    # The same words whether or not the address has an account.
                    messages.success(request, _("Invitation sent to %(email)s.")
                                     % {"email": invite_form.cleaned_data["email"]})
                    return redirect("frontend:office-team", cooperative.slug)
        elif action in ("cancel", "remove"):
            return _team_change(request, cooperative, action)
        else:
            messages.error(request, _("Unknown action."))
            return redirect("frontend:office-team", cooperative.slug)
    if not can_manage_members(request.user, cooperative):
        return _own_membership_page(request, cooperative, invite_form)
    page, page_numbers = paginate(request, selectors.membership_list(cooperative=cooperative),
                                  per_page=MEMBERS_PER_PAGE)
    invitations = list(selectors.invitation_list_pending(cooperative=cooperative))
    now = timezone.now()
    for invitation in invitations:
        invitation.expired = invitation.is_expired(now)
    return render(request, "frontend/office/team.html", office_context(
        request, cooperative, "team", page=page, page_numbers=page_numbers,
        invitations=invitations, invite_form=invite_form, manages_members=True,
    ), status=_status(invite_form))


def _team_change(request: HttpRequest, cooperative: Cooperative, action: str) -> HttpResponse:
    """Cancel an invitation, or remove a membership (the user's own: leaving)."""
    posted = request.POST.get("id", "")
    pk = int(posted) if posted.isascii() and posted.isdigit() else 0
    if not 0 < pk <= MAX_ID:
        messages.error(request, _("Not found."))
        return redirect("frontend:office-team", cooperative.slug)
    try:
        if action == "cancel":
            invitation = members.invitation_cancel(actor=request.user, cooperative=cooperative,
                                                   invitation_pk=pk)
            messages.success(request, _("The invitation of %(email)s is cancelled.")
                             % {"email": invitation.email})
        else:
            leaving = cooperative.memberships.filter(pk=pk, user=request.user).exists()
            members.membership_remove(actor=request.user, cooperative=cooperative,
                                      membership_pk=pk)
            if leaving:
                messages.success(request, _("You left %(cooperative)s.")
                                 % {"cooperative": cooperative.name})
                return redirect("frontend:account")
            messages.success(request, _("The member is removed."))
    except DomainError as error:
        flash_error(request, error)
    return redirect("frontend:office-team", cooperative.slug)


def _own_membership_page(request: HttpRequest, cooperative: Cooperative,
                         invite_form: InviteForm) -> HttpResponse:
    """A member who is not the owner: their own membership, to leave it (a refused
    invitation's message at the top)."""
    membership = cooperative.memberships.filter(user=request.user).first()
    return render(request, "frontend/office/team.html", office_context(
        request, cooperative, "team", membership=membership, invite_form=invite_form,
        manages_members=False,
    ), status=_status(invite_form))


# ---------------------------------------------------------------- RAT


@login_required
@require_http_methods(["GET", "POST"])
def rat(request: HttpRequest, slug: str) -> HttpResponse:
    """The RAT meetings recorded (every staff member reads them); owner or manager record one,
    with its minutes as a PDF if they have them."""
    cooperative = office_cooperative(request, slug)
    form = RatForm()
    if request.method == "POST":
        form = RatForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                meeting = cooperatives.rat_record(actor=request.user, cooperative=cooperative,
                                                  **form.cleaned_data)
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("The RAT of %(day)s is recorded.")
                                 % {"day": date_format(meeting.held_on, "j F Y")})
                return redirect("frontend:office-rat", cooperative.slug)
    page, page_numbers = paginate(request, selectors.rat_meeting_list(cooperative=cooperative),
                                  per_page=RAT_PER_PAGE)
    for meeting in page:
        meeting.minutes_url = (
            reverse("cooperative-rat-minutes", args=[cooperative.slug, meeting.pk])
            if meeting.minutes else ""
        )
    return render(request, "frontend/office/rat.html", office_context(
        request, cooperative, "rat", page=page, page_numbers=page_numbers, form=form,
        manages=can_manage_cooperative(request.user, cooperative),
    ), status=_status(form))


# ---------------------------------------------------------------- shipping


@login_required
@require_http_methods(["GET", "POST"])
def shipping(request: HttpRequest, slug: str) -> HttpResponse:
    """The shipping options offered (every staff member reads them); owner or manager add one."""
    cooperative = office_cooperative(request, slug)
    form = ShippingOptionForm()
    if request.method == "POST":
        form = ShippingOptionForm(request.POST)
        if form.is_valid():
            try:
                option = shipping_services.shipping_option_add(
                    actor=request.user, cooperative=cooperative, **form.cleaned_data
                )
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("“%(name)s” is offered to buyers now.")
                                 % {"name": option.name})
                return redirect("frontend:office-shipping", cooperative.slug)
    return render(request, "frontend/office/shipping.html", office_context(
        request, cooperative, "shipping",
        options=order_selectors.shipping_options_of(cooperative=cooperative), form=form,
        manages=can_manage_cooperative(request.user, cooperative),
    ), status=_status(form))


# ---------------------------------------------------------------- profile


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, slug: str) -> HttpResponse:
    """The storefront profile and logo: owner or manager edit them; the staff read them."""
    cooperative = office_cooperative(request, slug)
    form, logo_form = ProfileForm.of(cooperative), LogoForm()
    if request.method == "POST":
        uploading = request.POST.get("action") == "logo"
        if uploading:
            logo_form = LogoForm(request.POST, request.FILES)
            bound = logo_form
        else:
            form = ProfileForm(request.POST)
            bound = form
        if bound.is_valid():
            try:
                cooperatives.cooperative_update(actor=request.user, cooperative=cooperative,
                                                **bound.cleaned_data)
            except DomainError as error:
                _refused(bound, error)
            else:
                messages.success(request, _("The new logo is shown.") if uploading
                                 else _("The profile is saved."))
                return redirect("frontend:office-profile", cooperative.slug)
        status = _status(bound)
    else:
        status = 200
    return render(request, "frontend/office/profile.html", office_context(
        request, cooperative, "profile", form=form, logo_form=logo_form,
        manages=can_manage_cooperative(request.user, cooperative),
    ), status=status)
