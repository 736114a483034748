"""Browsing: the market, search, a product, the cooperatives and their storefronts."""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from catalog import selectors as catalog_selectors
from catalog.models import MAX_PRICE, Category
from frontend.pages import is_htmx, page_numbers, paginate
from market import selectors
from market.errors import NotFound
from market.models import Region
from market.templatetags.money import rupiah
from orders.selectors import shipping_options_of

FEATURED_COUNT = 8  # the newest products in stock, on the home page
REVIEWS_PER_PAGE = 5
SEARCH_MAX_LENGTH = 200
# Whole rupiah as people type them: 25000, 25.000 (Indonesian thousands) or Rp25.000.
RUPIAH_TYPED = re.compile(r"(?:rp\.?)?([0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)", re.I)
SORTS = {
    "relevance": _("Best match"),
    "-created": _("Newest"),
    "price": _("Price: low to high"),
    "-price": _("Price: high to low"),
    "name": _("Name (A-Z)"),
}


def _search_words(request) -> str:
    return request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]


def _districts() -> list[Region]:
    """The kecamatan for a select, by name (as people look for them, not by code)."""
    return sorted(selectors.region_list(level=Region.Level.DISTRICT), key=lambda r: r.name)


def home(request):
    """The market's front: search, categories, new products, cooperatives by kecamatan."""
    featured = catalog_selectors.product_list_public(in_stock=True, ordering="-created")
    return render(request, "frontend/home.html", {
        "categories": catalog_selectors.category_list().filter(parent__isnull=True),
        "featured": featured[:FEATURED_COUNT],
        "districts": selectors.district_list_with_cooperatives(),
    })


class RupiahField(forms.Field):
    """A whole amount of rupiah, as typed: 25000, 25.000 or Rp25.000."""

    default_error_messages = {
        "invalid": _("Enter whole rupiah, like 25000 or 25.000."),
        "too_big": _("At most %(max)s."),
    }

    def to_python(self, value) -> int | None:
        typed = (value or "").replace(" ", "")
        if not typed:
            return None
        match = RUPIAH_TYPED.fullmatch(typed)
        if match is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        digits = match[1].replace(".", "").lstrip("0") or "0"
        # The length first: int() of thousands of digits is refused (and slow).
        if len(digits) > len(str(MAX_PRICE)) or int(digits) > MAX_PRICE:
            raise ValidationError(self.error_messages["too_big"], code="too_big",
                                  params={"max": rupiah(MAX_PRICE)})
        return int(digits)


class ProductSearchForm(forms.Form):
    """The search page's filters; a field that does not parse filters nothing."""

    category = forms.ChoiceField(required=False)
    region = forms.ChoiceField(required=False)
    min_price = RupiahField(required=False)
    max_price = RupiahField(required=False)
    in_stock = forms.BooleanField(required=False)
    sort = forms.ChoiceField(required=False, choices=[("", ""), *SORTS.items()])

    def __init__(self, data, *, categories: list[Category], districts: list[Region]):
        super().__init__(data)
        self.fields["category"].choices = [("", ""), *((c.slug, c.name) for c in categories)]
        self.fields["region"].choices = [("", ""), *((r.code, r.name) for r in districts)]

    def clean(self):
        low, high = self.cleaned_data.get("min_price"), self.cleaned_data.get("max_price")
        if low is not None and high is not None and low > high:
            self.add_error("max_price", _("The highest price is below the lowest."))

    def filters(self) -> dict:
        """product_list_public's arguments from the fields that parsed."""
        self.is_valid()
        found = self.cleaned_data
        return {
            "category": found.get("category", ""),
            "region": found.get("region", ""),
            "min_price": found.get("min_price"),
            "max_price": found.get("max_price"),
            "in_stock": found.get("in_stock", False),
            "ordering": found.get("sort", ""),
        }


def _category_tree(categories: list[Category]) -> list[tuple[Category, list[Category]]]:
    """Top-level categories by name, each with its subcategories (the tree has two levels)."""
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id is not None:
            children.setdefault(category.parent_id, []).append(category)
    tops = sorted((c for c in categories if c.parent_id is None), key=lambda c: c.name)
    return [(top, children.get(top.pk, [])) for top in tops]


def search(request):
    """Products found by words and filters; htmx swaps only the results when a filter changes."""
    q = _search_words(request)
    categories = list(catalog_selectors.category_list())
    districts = _districts()
    form = ProductSearchForm(request.GET, categories=categories, districts=districts)
    filters = form.filters()
    products = catalog_selectors.product_list_public(q=q, **filters)
    page, numbers = paginate(request, products)
    context = {"page": page, "page_numbers": numbers, "q": q, "form": form}
    if is_htmx(request):
        response = render(request, "frontend/includes/catalog_search_update.html", context)
    else:
        response = render(request, "frontend/search.html", {
            **context, "category_tree": _category_tree(categories),
            "districts": districts,
            # On a phone the filters stay folded unless some are in use.
            "filters_open": bool(form.errors) or any(
                value for name, value in filters.items() if name != "ordering"
            ),
            "sorts": [(key, label) for key, label in SORTS.items()
                      if q or key != "relevance"],
        })
    # The same address answers a fragment to htmx and a page to the browser.
    patch_vary_headers(response, ["HX-Request"])
    return response


def product(request, pk):
    """A product: photos, variants to put in the cart, its cooperative and its reviews."""
    try:
        product = catalog_selectors.product_get_for(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    images = list(product.images.all())
    variants = list(product.variants.all())
    reviews = Paginator(
        catalog_selectors.product_reviews(product_pk=product.pk), REVIEWS_PER_PAGE
    ).get_page(request.GET.get("reviews_page"))
    return render(request, "frontend/product.html", {
        "product": product,
        "cover": images[0] if images else None,
        # Each further photo links to its large size (a tap opens it; no script needed).
        "more_images": [(image, image.thumbnail_url("large") or image.image.url)
                        for image in images[1:]],
        "variants": variants,
        "chosen_variant": next((v for v in variants if v.stock), None),
        "reviews": reviews,
        "review_numbers": page_numbers(reviews),
    })


class CooperativeFilterForm(forms.Form):
    region = forms.ChoiceField(required=False)

    def __init__(self, data, *, districts: list[Region]):
        super().__init__(data)
        self.fields["region"].choices = [("", ""), *((r.code, r.name) for r in districts)]


def cooperatives(request):
    """The verified cooperatives, by name; searchable and by kecamatan."""
    q = _search_words(request)
    districts = _districts()
    form = CooperativeFilterForm(request.GET, districts=districts)
    region = form.cleaned_data["region"] if form.is_valid() else ""
    page, page_numbers = paginate(
        request, selectors.cooperative_list_public(region=region, q=q)
    )
    # Not `q`: the header's box searches products and would show these words.
    return render(request, "frontend/cooperatives.html", {
        "page": page, "page_numbers": page_numbers, "cooperative_q": q, "form": form,
        "districts": districts,
    })


def cooperative(request, slug):
    """A cooperative's storefront: its profile, contact, products and shipping."""
    try:
        cooperative = selectors.cooperative_get_for(user=request.user, slug=slug)
    except NotFound:
        raise Http404 from None
    page, page_numbers = paginate(
        request, catalog_selectors.product_list_public(cooperative=cooperative.slug)
    )
    return render(request, "frontend/cooperative.html", {
        "cooperative": cooperative, "page": page, "page_numbers": page_numbers,
        "shipping_options": shipping_options_of(cooperative=cooperative),
    })
