"""The account: register, log in and out, password reset, language, notifications (issue 12)."""

import re

from django import forms
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from frontend.pages import (
    error_fields,
    error_messages,
    is_htmx,
    login_required,
    paginate,
    safe_next,
)
from market.errors import DomainError, NotFound
from market.models import Notification, NotificationDelivery
from market.notifications import services as notification_services
from market.notifications.kinds import CHOOSABLE_CHANNELS
from market.policies import can_monitor, is_finance_staff
from market.selectors import user_cooperatives
from market.services import accounts
from market.throttles import locked_out, page_within_limits
from orders import selectors as order_selectors

# authenticate() names the backend on the user it returns; a fresh sign-up needs one named.
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
NOTIFICATIONS_PER_PAGE = 20
Channel = NotificationDelivery.Channel
CHOOSABLE = (Channel.EMAIL, Channel.GATEWAY)  # in-app is always on
TOO_MANY = gettext_lazy("Too many attempts from here. Try again later.")
# Notifications link to API paths (market.notifications.kinds.event_data); an order's
# has a page.
API_ORDER_LINK = re.compile(r"^/api/v1/orders/(?P<number>[A-Za-z0-9-]+)/$")


class RegisterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32, required=False)
    password = forms.CharField(label=gettext_lazy("Password"), max_length=128, strip=False)


class LoginForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)
    password = forms.CharField(label=gettext_lazy("Password"), max_length=128, strip=False)


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"), max_length=254)


class PasswordSetForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("New password"), max_length=128, strip=False)
    password_again = forms.CharField(label=gettext_lazy("New password again"), max_length=128,
                                     strip=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again") and not self.errors:
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)


# ---------------------------------------------------------------- helpers


def _refused(form: forms.Form, error: DomainError) -> None:
    """A service's refusal as the form's errors, next to the fields it names."""
    for name, texts in error_fields(error).items():
        form.add_error(name if name in form.fields else None, texts)


def _form_page(request: HttpRequest, template: str, form: forms.Form, status: int | None = None,
               **context) -> HttpResponse:
    """The form's page; with errors, a 400 (or the `status` given)."""
    if status is None:
        status = 400 if form.is_bound and form.errors else 200
    context = {"form": form, "next": safe_next(request, ""), **context}
    return render(request, template, context, status=status)


def _bound(form_class, request: HttpRequest, **kwargs) -> forms.Form:
    return form_class(request.POST if request.method == "POST" else None, **kwargs)


# ---------------------------------------------------------------- signing up and in


@sensitive_post_parameters("password")
@never_cache
def register(request):
    """Sign up: logged in at once, and a link to verify the address is mailed."""
    form = _bound(RegisterForm, request, initial={"email": request.GET.get("email", "")[:254]})
    status = None
    if request.method == "POST" and form.is_valid():
        if not page_within_limits(request, "signup"):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            try:
                user = accounts.user_register(**form.cleaned_data,
                                              language=translation.get_language())
            except DomainError as error:
                _refused(form, error)
            else:
                auth.login(request, user, backend=MODEL_BACKEND)
                messages.success(request, _(
                    "Welcome! Check your e-mail: follow the link we sent to %(email)s to "
                    "verify your address."
                ) % {"email": user.email})
                return redirect(safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))
    return _form_page(request, "frontend/account/register.html", form, status=status,
                      password_help=password_validators_help_texts())


@sensitive_post_parameters("password")
@never_cache
def login(request):
    """Log in with e-mail and password; django-axes counts the failures and locks out."""
    form = _bound(LoginForm, request)
    if request.method == "POST" and form.is_valid():
        user = auth.authenticate(request, username=form.cleaned_data["email"].strip().lower(),
                                 password=form.cleaned_data["password"])
        if getattr(request, "axes_locked_out", False):
            error = locked_out()
            form.add_error(None, error.message)
            response = _form_page(request, "frontend/account/login.html", form,
                                  status=error.status_code)
            for name, value in error.headers.items():
                response[name] = value
            return response
        if user is None:
            form.add_error(None, _("Wrong e-mail or password."))
        else:
            auth.login(request, user)  # a new session key; axes clears the failures
            return redirect(safe_next(request, resolve_url(settings.LOGIN_REDIRECT_URL)))
    return _form_page(request, "frontend/account/login.html", form)


def logout(request):
    """Log out on a button (a POST): a link or an image must not log anyone out."""
    if request.method == "POST":
        auth.logout(request)
        messages.success(request, _("You are logged out."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "frontend/account/logout.html")


@never_cache
def verify_email(request):
    """The mailed link's page: verify on a button (mail scanners open links), or mail a new one."""
    if request.method == "POST" and "resend" in request.POST:
        return _verification_resend(request)
    token = (request.POST if request.method == "POST" else request.GET).get("token", "")[:1000]
    errors, status = [], 200
    if request.method == "POST":
        if not page_within_limits(request, "verify"):
            errors, status = [TOO_MANY], 429
        else:
            try:
                accounts.user_email_verify(token=token)
            except DomainError as error:
                errors, status = error_messages(error), 400
            else:
                messages.success(request, _("Your e-mail address is verified. Thank you!"))
                return redirect("frontend:account" if request.user.is_authenticated
                                else "frontend:login")
    user = request.user
    return render(request, "frontend/account/verify_email.html", {
        "token": token, "errors": errors,
        "can_resend": user.is_authenticated and not user.email_verified,
    }, status=status)


def _verification_resend(request):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("frontend:verify-email"))
    if not page_within_limits(request, "verify_resend"):
        messages.error(request, TOO_MANY)
    elif accounts.user_email_verification_send(user=request.user):
        messages.success(request, _("A new link is on its way to %(email)s.")
                         % {"email": request.user.email})
    else:
        messages.info(request, _("Your e-mail address is verified already."))
    return redirect(safe_next(request, resolve_url("frontend:account")))


@never_cache
def password_reset(request):
    """Forgot the password: a link is mailed, and the answer is the same for any address."""
    form = _bound(PasswordResetForm, request)
    if request.method == "POST" and form.is_valid():
        if not page_within_limits(request, "password_reset"):
            form.add_error(None, TOO_MANY)
            return _form_page(request, "frontend/account/password_reset.html", form, status=429)
        accounts.password_reset_request(email=form.cleaned_data["email"])
        messages.success(request, _("If this address has an account, a link to set a new "
                                    "password is on its way to it."))
        return redirect("frontend:password-reset")
    return _form_page(request, "frontend/account/password_reset.html", form)


@sensitive_post_parameters("password", "password_again")
@never_cache
def password_reset_confirm(request):
    """The mailed link's page: set a new password, then log in with it."""
    link = request.POST if request.method == "POST" else request.GET
    uid, token = link.get("uid", "")[:64], link.get("token", "")[:128]
    form = _bound(PasswordSetForm, request)
    status = None
    if request.method == "POST" and form.is_valid():
        if not page_within_limits(request, "password_reset_confirm"):
            form.add_error(None, TOO_MANY)
            status = 429
        else:
            try:
                accounts.password_reset_confirm(uid=uid, token=token,
                                                password=form.cleaned_data["password"])
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Your password is set. Log in with it."))
                return redirect("frontend:login")
    return _form_page(request, "frontend/account/password_reset_confirm.html", form,
                      status=status, uid=uid, token=token,
                      password_help=password_validators_help_texts())


# ---------------------------------------------------------------- the account


@login_required
def account(request):
    """Who is logged in, the address's state, the language, and the way out."""
    return render(request, "frontend/account/account.html", {
        "language_form": LanguageForm(initial={"language": request.user.language}),
        # The desks this person works at: a cooperative's back office, the dinas, finance.
        "cooperatives": user_cooperatives(user=request.user),
        "is_officer": can_monitor(request.user),
        "is_finance": is_finance_staff(request.user),
    })


def language(request):
    """Choose the language: a cookie for this browser, and the account's for every device."""
    form = _bound(LanguageForm, request, initial={"language": translation.get_language()})
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["language"]
        try:
            if request.user.is_authenticated:
                accounts.user_language_set(user=request.user, language=chosen)
        except DomainError as error:
            _refused(form, error)
        else:
            response = redirect(safe_next(request, resolve_url("frontend:home")))
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, chosen, max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH, domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
            return response
    return _form_page(request, "frontend/account/language.html", form)


# ---------------------------------------------------------------- notifications


def _with_page_links(user, notifications: list[Notification]) -> list[Notification]:
    """Set `page_link`: an order's page (the buyer's, or its cooperative's back office for
    its staff), else nothing: the list offers "mark as read" only for the other links
    (a cooperative, invitations), which are API paths."""
    numbers = [match["number"] for n in notifications if (match := API_ORDER_LINK.match(n.link))]
    pages = order_selectors.order_pages_for(user=user, numbers=numbers)
    for notification in notifications:
        match = API_ORDER_LINK.match(notification.link)
        seen_as, slug = pages.get(match["number"], ("", "")) if match else ("", "")
        notification.page_link = (
            reverse("frontend:order", kwargs={"number": match["number"]}) if seen_as == "buyer"
            else reverse("frontend:office-order", args=[slug, match["number"]])
            if seen_as == "staff" else ""
        )
    return notifications


@login_required
def notifications(request):
    """The user's in-app notifications, newest first; mark one or all as read."""
    if request.method == "POST":
        return _notifications_mark(request)
    return _notifications_page(request)


def _notifications_page(request) -> HttpResponse:
    page, page_numbers = paginate(
        request, notification_services.notification_list_for(user=request.user),
        per_page=NOTIFICATIONS_PER_PAGE,
    )
    page.object_list = _with_page_links(request.user, list(page.object_list))
    return render(request, "frontend/account/notifications.html",
                  {"page": page, "page_numbers": page_numbers})


def _notifications_mark(request) -> HttpResponse:
    if "all" in request.POST:
        marked = notification_services.notification_read_all(user=request.user)
        if is_htmx(request):  # the list again, all read (the form selects it from the page)
            return _notifications_page(request)
        messages.success(request, ngettext(
            "%(count)d notification marked as read.", "%(count)d notifications marked as read.",
            marked) % {"count": marked})
        return redirect(safe_next(request, resolve_url("frontend:notifications")))
    pk = request.POST.get("notification", "")
    if not pk.isascii() or not pk.isdigit() or not 0 < int(pk) < 2**63:
        raise Http404
    try:
        notification = notification_services.notification_read(user=request.user,
                                                                notification_pk=int(pk))
    except NotFound as error:
        raise Http404 from error
    _with_page_links(request.user, [notification])
    if "open" in request.POST and notification.page_link:
        return redirect(notification.page_link)
    if is_htmx(request):
        return render(request, "frontend/account/_notification.html",
                      {"notification": notification,
                       "next": safe_next(request, resolve_url("frontend:notifications"))})
    return redirect(safe_next(request, resolve_url("frontend:notifications")))


@login_required
def notification_preferences(request):
    """A checkbox per kind and channel; a channel never used for a kind cannot be chosen."""
    preferences = notification_services.preferences_for(user=request.user)
    errors, status = [], 200
    if request.method == "POST":
        changes = _preference_changes(request, preferences)
        try:
            notification_services.preferences_update(user=request.user, changes=changes)
        except DomainError as error:
            errors, status = error_messages(error), 400
        else:
            messages.success(request, _("Your notification choices are saved."))
            return redirect("frontend:notification-preferences")
    return render(request, "frontend/account/notification_preferences.html", {
        "rows": _preference_rows(preferences), "errors": errors,
        "channels": [Channel(channel).label for channel in Channel.values],
    }, status=status)


def _preference_changes(request: HttpRequest, preferences: list[dict]) -> list[dict]:
    """The boxes that differ from the saved choice, as preferences_update takes them."""
    changes = []
    for row in preferences:
        ticked = {channel: f"{row['kind']}.{channel}" in request.POST for channel in CHOOSABLE}
        changed = {channel: on for channel, on in ticked.items() if on != row[channel]}
        if changed:
            changes.append({"kind": row["kind"], **changed})
    return changes


def _preference_rows(preferences: list[dict]) -> list[dict]:
    """preferences_for's answer as table rows: a cell per channel, disabled where not chosen."""
    return [
        {"label": Notification.Kind(row["kind"]).label, "cells": [
            {"name": f"{row['kind']}.{channel}", "id": f"pref-{row['kind']}-{channel}",
             "label": Channel(channel).label,
             "checked": row[channel],
             "disabled": channel not in CHOOSABLE_CHANNELS[row["kind"]]}
            for channel in Channel.values
        ]}
        for row in preferences
    ]
