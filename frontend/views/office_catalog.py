"""The back office's products: list, create, edit, images, publish, archive, stock.

The same selectors and services as the catalog API: any staff member of the cooperative
(or the platform admin) runs its catalog; another cooperative's product is a 404.
"""

import re

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from catalog import selectors, services
from catalog.models import (
    MAX_PRICE,
    MAX_STOCK,
    MAX_VARIANTS,
    MAX_WEIGHT_GRAMS,
    PRODUCT_DESCRIPTION_MAX_LENGTH,
    PRODUCT_NAME_MAX_LENGTH,
    VARIANT_NAME_MAX_LENGTH,
    VARIANT_SKU_MAX_LENGTH,
    Product,
)
from frontend.office import office_context, office_cooperative
from frontend.pages import (
    error_fields,
    error_messages,
    flash_error,
    is_htmx,
    login_required,
    paginate,
    safe_next,
)
from market.errors import DomainError, NotFound
from market.models import Cooperative
from market.throttles import page_within_limits

EMPTY_VARIANT_ROWS = 3
PRODUCT_FORM = "frontend/office/product_form.html"
PRODUCT_ROW = "frontend/office/_product_row.html"
Status = Product.Status


# ---------------------------------------------------------------- forms


class ProductFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search"), max_length=200, required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False,
        choices=[("", gettext_lazy("Every status")), *Status.choices],
    )


def category_choices() -> list:
    """The category tree as a select's groups: each top category, then its children."""
    groups: dict[int, tuple[str, list]] = {}
    for category in selectors.category_list():
        if category.parent_id is None:
            groups.setdefault(category.pk, (category.name, []))[1].insert(
                0, (category.slug, category.name)
            )
        else:
            groups.setdefault(category.parent_id, (category.parent.name, []))[1].append(
                (category.slug, category.name)
            )
    return [("", "—"), *sorted(groups.values(), key=lambda group: group[0])]


class ProductForm(forms.Form):
    """The product's own fields, shaped as the API's create and update take them."""

    name = forms.CharField(label=gettext_lazy("Name"), max_length=PRODUCT_NAME_MAX_LENGTH)
    description = forms.CharField(
        label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}),
        max_length=PRODUCT_DESCRIPTION_MAX_LENGTH,
    )
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=Product.Unit.choices,
                             initial=Product.Unit.PCS)
    weight_grams = forms.IntegerField(label=gettext_lazy("Weight (grams)"), min_value=0,
                                      max_value=MAX_WEIGHT_GRAMS, initial=0)
    status = forms.ChoiceField(label=gettext_lazy("Status"), initial=Status.DRAFT)

    def __init__(self, *args, statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()
        self.fields["status"].choices = statuses


class VariantRowForm(forms.Form):
    """One variant row: an existing variant (its id) or a new one (its SKU)."""

    variant = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
    # The stock the page showed: a count typed over it is set, an unchanged one is not
    # (checkouts may have taken stock since the page was opened).
    stock_shown = forms.IntegerField(required=False, widget=forms.HiddenInput)
    sku = forms.CharField(label=gettext_lazy("SKU"), max_length=VARIANT_SKU_MAX_LENGTH,
                          required=False)
    name = forms.CharField(label=gettext_lazy("Variant"), max_length=VARIANT_NAME_MAX_LENGTH)
    price = forms.IntegerField(label=gettext_lazy("Price (Rp)"), min_value=1,
                               max_value=MAX_PRICE)
    stock = forms.IntegerField(label=gettext_lazy("Stock"), min_value=0, max_value=MAX_STOCK)
    remove = forms.BooleanField(label=gettext_lazy("Remove"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("variant") and not cleaned.get("sku") and "sku" not in self.errors:
            self.add_error("sku", _("A new variant needs a SKU."))
        return cleaned


VariantRowFormSet = forms.formset_factory(
    VariantRowForm, extra=EMPTY_VARIANT_ROWS, max_num=MAX_VARIANTS, validate_max=True,
    absolute_max=MAX_VARIANTS + EMPTY_VARIANT_ROWS,
)


class ImageForm(forms.Form):
    image = forms.FileField(label=gettext_lazy("Photo"))


class StockForm(forms.Form):
    stock = forms.IntegerField(label=gettext_lazy("Stock"), min_value=0, max_value=MAX_STOCK)


# ---------------------------------------------------------------- helpers


def _product_or_404(request: HttpRequest, cooperative: Cooperative, pk: int) -> Product:
    try:
        return selectors.cooperative_product_get(user=request.user, cooperative=cooperative,
                                                 pk=pk)
    except NotFound:
        raise Http404 from None


def _refused(form: forms.Form, error: DomainError) -> None:
    """A service's refusal as the form's errors, next to the fields it names."""
    for name, texts in error_fields(error).items():
        form.add_error(name if name in form.fields else None, texts)


def _product_initial(product: Product) -> dict:
    return {"name": product.name, "description": product.description,
            "category": product.category.slug, "unit": product.unit,
            "weight_grams": product.weight_grams, "status": product.status}


def _variant_initial(product: Product) -> list[dict]:
    return [{"variant": variant.pk, "stock_shown": variant.stock, "sku": variant.sku,
             "name": variant.name, "price": variant.price, "stock": variant.stock}
            for variant in product.variants.all()]


def _row_variant(row: VariantRowForm, existing: dict):
    """The existing variant a row shows (its hidden id, as sent or as first shown), if any."""
    try:
        return existing.get(int(row["variant"].value() or 0))
    except (TypeError, ValueError):
        return None


def _filled_rows(formset) -> list[VariantRowForm]:
    """The rows that say something: existing variants, and new rows typed into."""
    return [row for row in formset if row.cleaned_data]


def _form_page(request: HttpRequest, cooperative: Cooperative, *, form: ProductForm, formset,
               product: Product | None = None, variant_errors=(), image_form=None,
               status: int | None = None) -> HttpResponse:
    if status is None:
        invalid = form.errors or formset.total_error_count() or variant_errors
        status = 400 if form.is_bound and invalid else 200
    existing = {} if product is None else {v.pk: v for v in product.variants.all()}
    rows = [(row, _row_variant(row, existing)) for row in formset]
    return render(request, PRODUCT_FORM, office_context(
        request, cooperative, "products", product=product, form=form, formset=formset,
        rows=rows, variant_errors=[*formset.non_form_errors(), *variant_errors],
        image_form=image_form or ImageForm(),
    ), status=status)


# ---------------------------------------------------------------- the list


@login_required
@require_http_methods(["GET"])
def products(request, slug):
    """Every product of the cooperative, searched and filtered, a page at a time."""
    cooperative = office_cooperative(request, slug)
    filters = ProductFilterForm(request.GET)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    found = selectors.cooperative_products(
        user=request.user, cooperative=cooperative, q=chosen.get("q", ""),
        status=chosen.get("status", ""),
    )
    page, page_numbers = paginate(request, found)
    return render(request, "frontend/office/products.html", office_context(
        request, cooperative, "products", filters=filters, page=page, page_numbers=page_numbers,
        filtered=bool(chosen.get("q") or chosen.get("status")), back=request.get_full_path(),
    ))


# ---------------------------------------------------------------- create and edit


@login_required
@require_http_methods(["GET", "POST"])
def product_new(request, slug):
    """A new product with its variants (a draft unless published at once)."""
    cooperative = office_cooperative(request, slug)
    statuses = [(Status.DRAFT, Status.DRAFT.label), (Status.ACTIVE, Status.ACTIVE.label)]
    if request.method != "POST":
        return _form_page(request, cooperative, form=ProductForm(statuses=statuses),
                          formset=VariantRowFormSet(prefix="variants"))
    form = ProductForm(request.POST, statuses=statuses)
    formset = VariantRowFormSet(request.POST, prefix="variants")
    if not (form.is_valid() and formset.is_valid()):
        return _form_page(request, cooperative, form=form, formset=formset)
    rows = [row for row in _filled_rows(formset) if not row.cleaned_data["remove"]]
    for row in rows:
        row.cleaned_data["variant"] = None  # a new product has no variants yet
    try:
        product = services.product_create(
            actor=request.user, cooperative=cooperative, **form.cleaned_data,
            variants=[{name: row.cleaned_data[name] for name in ("sku", "name", "price", "stock")}
                      for row in rows],
        )
    except DomainError as error:
        variant_errors = _product_refused(form, error, rows)
        return _form_page(request, cooperative, form=form, formset=formset,
                          variant_errors=variant_errors, status=400)
    messages.success(request, _("The product is saved."))
    return redirect("frontend:office-product", cooperative.slug, product.pk)


# product_create names a variant's problem "[index] field: message", index in the list sent.
VARIANT_PROBLEM = re.compile(r"^\[(?P<index>\d+)\] (?P<field>\w+): (?P<message>.*)$", re.S)


def _product_refused(form: ProductForm, error: DomainError, rows: list) -> list[str]:
    """A product service's refusal beside the fields and variant rows it names; what names
    no field is returned, for the top of the variants."""
    fields = error_fields(error)
    unplaced = []
    for text in fields.pop("variants", []):
        found = VARIANT_PROBLEM.match(text)
        index = int(found["index"]) if found else len(rows)
        if index < len(rows):
            row = rows[index]
            row.add_error(found["field"] if found["field"] in row.fields else None,
                          found["message"])
        else:
            unplaced.append(text)
    for name, texts in fields.items():
        form.add_error(name if name in form.fields else None, texts)
    return unplaced


@login_required
@require_http_methods(["GET", "POST"])
def product_edit(request, slug, pk):
    """Change a product and its variants (add, change, remove) in one save."""
    cooperative = office_cooperative(request, slug)
    product = _product_or_404(request, cooperative, pk)
    if request.method != "POST":
        return _form_page(
            request, cooperative, product=product,
            form=ProductForm(initial=_product_initial(product), statuses=Status.choices),
            formset=VariantRowFormSet(initial=_variant_initial(product), prefix="variants"),
        )
    form = ProductForm(request.POST, initial=_product_initial(product), statuses=Status.choices)
    formset = VariantRowFormSet(request.POST, initial=_variant_initial(product),
                                prefix="variants")
    page = {"product": product, "form": form, "formset": formset}
    if not (form.is_valid() and formset.is_valid()):
        return _form_page(request, cooperative, **page)
    # A new row marked for removal is no row at all.
    rows = [row for row in _filled_rows(formset)
            if row.cleaned_data["variant"] or not row.cleaned_data["remove"]]
    existing = {variant.pk: variant for variant in product.variants.all()}
    for row in rows:
        if row.cleaned_data["variant"] and row.cleaned_data["variant"] not in existing:
            row.add_error(None, _("This variant is no longer in the product; reload the page."))
    if any(row.errors for row in rows):
        return _form_page(request, cooperative, **page)
    initial = _product_initial(product)
    try:
        services.product_variants_save(
            actor=request.user, product=product, variants=_variant_rows(rows, existing),
            **{name: value for name, value in form.cleaned_data.items() if value != initial[name]},
        )
    except DomainError as error:
        return _form_page(request, cooperative, **page,
                          variant_errors=_product_refused(form, error, rows), status=400)
    messages.success(request, _("The product is saved."))
    return redirect("frontend:office-product", cooperative.slug, product.pk)


def _variant_rows(rows: list[VariantRowForm], existing: dict) -> list[dict]:
    """The rows as product_variants_save takes them, one entry a row, in the same order."""
    variants = []
    for row in rows:
        data = row.cleaned_data
        variant = existing.get(data["variant"])
        if variant is None:
            variants.append({name: data[name] for name in ("sku", "name", "price", "stock")})
        elif data["remove"]:
            variants.append({"id": variant.pk, "remove": True})
        else:
            changed = {name: data[name] for name in ("name", "price")
                       if data[name] != getattr(variant, name)}
            if data["stock"] != data["stock_shown"]:
                changed["stock"] = data["stock"]  # the stock module sets it
            variants.append({"id": variant.pk, **changed})
    return variants


# ---------------------------------------------------------------- photos


@login_required
@require_POST
def product_images(request, slug, pk):
    """Upload a photo (checked and re-encoded; the worker makes its thumbnails)."""
    cooperative = office_cooperative(request, slug)
    product = _product_or_404(request, cooperative, pk)
    image_form = ImageForm(request.POST, request.FILES)
    status = 400
    if not page_within_limits(request, "upload"):
        image_form.add_error(None, _("Too many uploads from here. Try again later."))
        status = 429
    elif image_form.is_valid():
        try:
            services.product_image_add(actor=request.user, product=product,
                                       upload=image_form.cleaned_data["image"])
        except DomainError as error:
            _refused(image_form, error)
        else:
            messages.success(request, _("The photo is uploaded."))
            url = reverse("frontend:office-product", args=[cooperative.slug, product.pk])
            return redirect(f"{url}#photos")
    return _form_page(
        request, cooperative, product=product, image_form=image_form, status=status,
        form=ProductForm(initial=_product_initial(product), statuses=Status.choices),
        formset=VariantRowFormSet(initial=_variant_initial(product), prefix="variants"),
    )


# ---------------------------------------------------------------- publish, archive


ACTIONS = {
    "publish": gettext_lazy("The product is on sale."),
    "archive": gettext_lazy("The product is archived: it is no longer in the market."),
}


@login_required
@require_POST
def product_action(request, slug, pk, action):
    """Publish (on sale) or archive (out of the market, as the API's DELETE) a product."""
    if action not in ACTIONS:
        raise Http404
    cooperative = office_cooperative(request, slug)
    product = _product_or_404(request, cooperative, pk)
    try:
        if action == "publish":
            services.product_update(actor=request.user, product=product, status=Status.ACTIVE)
        else:
            services.product_archive(actor=request.user, product=product)
    except DomainError as error:
        flash_error(request, error)
    else:
        messages.success(request, ACTIONS[action])
    back = reverse("frontend:office-product", args=[cooperative.slug, product.pk])
    return redirect(safe_next(request, back))


# ---------------------------------------------------------------- stock


@login_required
@require_POST
def variant_stock(request, slug, pk):
    """Count a variant's stock from the list (htmx swaps its product's row)."""
    cooperative = office_cooperative(request, slug)
    try:
        variant = selectors.cooperative_variant_get(user=request.user, cooperative=cooperative,
                                                    pk=pk)
    except NotFound:
        raise Http404 from None
    form = StockForm(request.POST)
    problems: list[str] = []
    if not form.is_valid():
        problems = [str(text) for texts in form.errors.values() for text in texts]
    else:
        try:
            services.variant_update(actor=request.user, variant=variant,
                                    stock=form.cleaned_data["stock"])
        except DomainError as error:
            problems = error_messages(error)
    if is_htmx(request):
        # Refusals with 200 too: htmx swaps only successful answers.
        product = _product_or_404(request, cooperative, variant.product_id)
        return render(request, PRODUCT_ROW, {
            "cooperative": cooperative, "product": product, "problem_variant": variant.pk,
            "problems": problems, "saved_variant": None if problems else variant.pk,
            "back": safe_next(request, reverse("frontend:office-products",
                                               args=[cooperative.slug])),
        })
    for problem in problems:
        messages.error(request, problem)
    if not problems:
        messages.success(request, _("Stock of %(variant)s saved.") % {"variant": variant})
    return redirect(safe_next(request, reverse("frontend:office-products",
                                               args=[cooperative.slug])))
