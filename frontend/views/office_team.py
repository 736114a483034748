"""The back office's people and records: staff, invitations, RAT, shipping, profile."""

from django.http import Http404


def team(request, slug):
    raise Http404  # being written (issue 13)


def rat(request, slug):
    raise Http404  # being written (issue 13)


def shipping(request, slug):
    raise Http404  # being written (issue 13)


def profile(request, slug):
    raise Http404  # being written (issue 13)
