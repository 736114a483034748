"""After buying: the buyer's orders, their timeline, receipt, cancel, reviews (issue 12)."""

from django.http import Http404


def order_list(request):
    raise Http404


def order_detail(request, number):
    raise Http404


def order_action(request, number, action):
    raise Http404


def review(request, line_pk):
    raise Http404
