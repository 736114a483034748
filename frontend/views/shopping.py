"""Buying: the cart, the checkout and paying (written next, issue 12)."""

from django.http import Http404


def cart(request):
    raise Http404


def cart_add(request):
    raise Http404


def cart_item(request, pk):
    raise Http404


def checkout(request):
    raise Http404


def payment(request, pk):
    raise Http404
