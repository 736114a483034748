"""The finance desk: bank transfers to confirm, payouts due, failed refunds."""

from django.http import Http404


def transfers(request):
    raise Http404  # being written (issue 13)


def transfer(request, pk):
    raise Http404  # being written (issue 13)


def transfer_proof(request, pk):
    raise Http404  # being written (issue 13)


def payouts(request):
    raise Http404  # being written (issue 13)


def refunds(request):
    raise Http404  # being written (issue 13)
