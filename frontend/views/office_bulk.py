"""Bulk product upload from an XLSX template: check every row, then apply."""

from django.http import Http404


def bulk(request, slug):
    raise Http404  # being written (issue 13)


def bulk_template(request, slug):
    raise Http404  # being written (issue 13)


def bulk_job(request, slug, pk):
    raise Http404  # being written (issue 13)
