"""The back office: dashboard, orders and money of one cooperative, for its staff."""

from django.http import Http404


def office_home(request):
    raise Http404  # being written (issue 13)


def dashboard(request, slug):
    raise Http404  # being written (issue 13)


def orders(request, slug):
    raise Http404  # being written (issue 13)


def order(request, slug, number):
    raise Http404  # being written (issue 13)


def order_action(request, slug, number, action):
    raise Http404  # being written (issue 13)


def money(request, slug):
    raise Http404  # being written (issue 13)
