"""The back office's products: list, create, edit, images, publish, archive, stock."""

from django.http import Http404


def products(request, slug):
    raise Http404  # being written (issue 13)


def product_new(request, slug):
    raise Http404  # being written (issue 13)


def product_edit(request, slug, pk):
    raise Http404  # being written (issue 13)


def product_images(request, slug, pk):
    raise Http404  # being written (issue 13)


def product_action(request, slug, pk, action):
    raise Http404  # being written (issue 13)


def variant_stock(request, slug, pk):
    raise Http404  # being written (issue 13)
