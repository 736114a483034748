"""Server-rendered pages: small HTML, no JavaScript needed."""

from django.core.paginator import Paginator
from django.shortcuts import render

from catalog import selectors as catalog_selectors
from market import selectors
from market.errors import InvalidInput

PAGE_SIZE = 24


def home(request):
    """The market: products of every verified cooperative, searchable."""
    q = request.GET.get("q", "").strip()[:200]
    category = request.GET.get("category", "")
    try:
        products = catalog_selectors.product_list_public(q=q, category=category)
    except InvalidInput:  # an unknown category in the address: show everything
        category = ""
        products = catalog_selectors.product_list_public(q=q)
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "frontend/home.html", {
        "page": page, "q": q, "category": category,
        "categories": catalog_selectors.category_list().filter(parent__isnull=True),
    })


def cooperatives(request):
    q = request.GET.get("q", "").strip()[:200]
    page = Paginator(
        selectors.cooperative_list_public(region=request.GET.get("region"), q=q), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "frontend/cooperatives.html", {"page": page, "q": q})
