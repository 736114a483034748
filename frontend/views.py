"""Server-rendered pages: small HTML, no JavaScript needed."""

from django.core.paginator import Paginator
from django.shortcuts import render

from market import selectors


def home(request):
    cooperatives = selectors.cooperative_list_public(
        region=request.GET.get("region"), q=request.GET.get("q")
    )
    page = Paginator(cooperatives, 24).get_page(request.GET.get("page"))
    return render(request, "frontend/home.html", {"page": page, "q": request.GET.get("q", "")})
