"""The account: register, log in and out, password reset, language, notifications (issue 12)."""

from django.http import Http404


def account(request):
    raise Http404


def login(request):
    raise Http404


def logout(request):
    raise Http404


def register(request):
    raise Http404


def verify_email(request):
    raise Http404


def password_reset(request):
    raise Http404


def password_reset_confirm(request):
    raise Http404


def language(request):
    raise Http404


def notifications(request):
    raise Http404


def notification_preferences(request):
    raise Http404
