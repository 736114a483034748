"""The dinas dashboard: headline figures, sales, the registry, the verification queue."""

from django.http import Http404


def dashboard(request):
    raise Http404  # being written (issue 13)


def sales(request):
    raise Http404  # being written (issue 13)


def registry(request):
    raise Http404  # being written (issue 13)


def cooperative(request, slug):
    raise Http404  # being written (issue 13)


def queue(request):
    raise Http404  # being written (issue 13)


def decide(request, slug):
    raise Http404  # being written (issue 13)


def report(request):
    raise Http404  # being written (issue 13)
