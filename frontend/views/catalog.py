"""Browsing: the market, search, a product, the cooperatives and their storefronts."""

from django.http import Http404
from django.shortcuts import render

from catalog import selectors as catalog_selectors
from frontend.pages import paginate
from market import selectors
from market.errors import InvalidInput


def home(request):
    """The market: products of every verified cooperative, searchable."""
    q = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    try:
        products = catalog_selectors.product_list_public(q=q, category=category)
    except InvalidInput:  # an unknown category in the address: show everything
        category = ""
        products = catalog_selectors.product_list_public(q=q)
    page, page_numbers = paginate(request, products)
    return render(request, "frontend/home.html", {
        "page": page, "page_numbers": page_numbers, "q": q, "category": category,
        "categories": catalog_selectors.category_list().filter(parent__isnull=True),
    })


def search(request):
    raise Http404  # written next (issue 12)


def product(request, pk):
    raise Http404  # written next (issue 12)


def cooperatives(request):
    q = request.GET.get("q", "").strip()[:200]
    page, page_numbers = paginate(
        request, selectors.cooperative_list_public(region=request.GET.get("region"), q=q)
    )
    return render(request, "frontend/cooperatives.html",
                  {"page": page, "page_numbers": page_numbers, "q": q})


def cooperative(request, slug):
    raise Http404  # written next (issue 12)
