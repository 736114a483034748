"""The catalog in the Django admin: forms over the catalog services, no rule of its own.

Every save goes through catalog.services (and stock through catalog.stock), so
the admin refuses and records exactly what the API does. The forms call the
services' public checks to show refusals beside the field before anything is
saved; a refusal only the save can find (a SKU taken meanwhile) rolls the whole
save back and shows the form again with the service's message.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _

from catalog import services
from catalog.models import Category, Product, ProductImage, Variant
from market.errors import InvalidInput, NotAllowed


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


def _add_errors(form: forms.BaseForm, fields: dict) -> None:
    """A service's refusal as form errors: beside the field it names, else above the form."""
    for name, message in fields.items():
        form.add_error(name if name in form.fields else None, message)


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = ["sku", "name", "price", "stock", "low_stock_threshold"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Orders keep the SKU they were placed with; like the API, a SKU stays.
            self.fields["sku"].disabled = True
            # Checkouts change stock while the page is open: compare with the stock the page
            # showed, not the stock of now, so an untouched field never undoes a sale.
            self.fields["stock"].show_hidden_initial = True

    def clean(self):
        cleaned = super().clean()
        _add_errors(self, services.variant_values_problems(
            price=cleaned.get("price"), stock=cleaned.get("stock"),
            low_stock_threshold=cleaned.get("low_stock_threshold"),
        ))
        return cleaned


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """SKUs are unique within the product's cooperative, a field these forms do not show."""
        super().clean()
        kept = [form for form in self.forms
                if form.cleaned_data and not self._should_delete_form(form)]
        skus = [form.cleaned_data["sku"] for form in kept if form.cleaned_data.get("sku")]
        taken = services.skus_taken(
            cooperative_id=self.instance.cooperative_id, skus=skus,
            excluding=[form.instance.pk for form in kept if form.instance.pk],
        )
        seen = set()
        for form in kept:
            sku = form.cleaned_data.get("sku")
            if sku in taken or sku in seen:
                form.add_error("sku", _("SKU already used in this cooperative."))
            seen.add(sku)


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    extra = 0
    min_num = 1  # a product needs at least one variant
    fields = ["sku", "name", "price", "stock", "low_stock_threshold"]


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ["image", "position"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["image"].disabled = True  # a new photo is a new row: delete, upload

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload and "image" in self.changed_data:
            try:
                # Checked here to show the error; the service cleans the upload itself again.
                services.product_image_clean(upload)
            except InvalidInput as error:
                raise ValidationError(error.fields["image"]) from error
        return upload


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 0
    fields = ["image", "position", "thumbnails"]
    readonly_fields = ["thumbnails"]


class ProductForm(forms.ModelForm):
    # Set on the form class when the save was refused: shown as the form's errors.
    refusal: InvalidInput | None = None

    def clean(self):
        cleaned = super().clean()
        if self.refusal is not None:
            _add_errors(self, self.refusal.fields or {None: self.refusal.message})
        return cleaned


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = ["name", "cooperative", "category", "price", "status", "created_at"]
    list_filter = ["status", "category", "cooperative__region"]
    search_fields = ["name", "slug", "cooperative__name", "variants__sku"]
    list_select_related = ["cooperative", "category"]
    autocomplete_fields = ["cooperative"]
    # The slug comes from the name; the price from the variants.
    readonly_fields = ["slug", "price", "created_at", "updated_at"]
    inlines = [VariantInline, ProductImageInline]
    show_full_result_count = False  # no second COUNT(*) over 100,000 products per page

    def get_readonly_fields(self, request, obj=None):
        # Its variants' SKUs are unique within its cooperative: a product stays where it is.
        return [*self.readonly_fields, "cooperative"] if obj else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "catalog_refusal", None)
        if refusal is None:
            return form
        return type(form.__name__, (form,), {"refusal": refusal})

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except NotAllowed as error:
            raise PermissionDenied from error
        except InvalidInput as error:
            if getattr(request, "catalog_refusal", None) is not None:
                raise
            # The save's transaction was rolled back; the same POST again shows the form,
            # this time with the refusal as its errors.
            request.catalog_refusal = error
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Nothing yet: save_related makes the whole save through the services."""

    def save_related(self, request, form, formsets, change):
        # An inline the user may not see has no formset: it contributes nothing.
        variants = next((formset for formset in formsets if formset.model is Variant), None)
        images = next((formset for formset in formsets if formset.model is ProductImage), None)
        if change:
            product = form.instance
            fields = {name: form.cleaned_data[name] for name in form.changed_data}
            if "category" in fields:
                fields["category"] = fields["category"].slug
            saved = services.product_variants_save(
                actor=request.user, product=product,
                variants=[] if variants is None else self._variant_rows(variants), **fields,
            )
            if variants is not None:
                self._bookkeep(variants, new=saved.added, changed=saved.changed,
                               deleted=saved.removed)
        else:
            product = self._create(request, form, variants)
        # Last: a photo is the one write outside the database, so nothing refuses after it.
        if images is not None:
            self._save_images(request, product, images)

    def _create(self, request, form, variants) -> Product:
        data = form.cleaned_data
        added = [] if variants is None else [row.cleaned_data for row in self._added(variants)]
        product = services.product_create(
            actor=request.user, cooperative=data["cooperative"], name=data["name"],
            category=data["category"].slug, description=data["description"], unit=data["unit"],
            weight_grams=data["weight_grams"], status=data["status"],
            variants=[{name: row[name] for name in VariantForm.Meta.fields} for row in added],
        )
        # The admin goes on with the form's instance (change message, log, redirect).
        form.instance.pk = product.pk
        form.instance.refresh_from_db()
        form.instance._state.adding = False
        if variants is not None:
            self._bookkeep(variants, new=list(product.variants.order_by("pk")))
        return product

    def _variant_rows(self, variants) -> list[dict]:
        """The inline's rows, in its order, as product_variants_save takes them."""
        rows, added = [], self._added(variants)
        for row in variants.forms:
            if row.instance.pk is None:
                if row in added:
                    rows.append({name: row.cleaned_data[name] for name in VariantForm.Meta.fields})
            elif row in variants.deleted_forms:
                rows.append({"id": row.instance.pk, "remove": True})
            else:
                rows.append({"id": row.instance.pk, **{
                    name: row.cleaned_data[name] for name in row.changed_data
                    if name in services.VARIANT_FIELDS
                }})
        return rows

    def _save_images(self, request, product, images) -> None:
        new = [
            services.product_image_add(
                actor=request.user, product=product, upload=row.cleaned_data["image"],
                position=row.cleaned_data["position"],
            )
            for row in self._added(images)
        ]
        changed = []
        for row in images.initial_forms:
            if row not in images.deleted_forms and "position" in row.changed_data:
                changed.append((services.product_image_move(
                    actor=request.user, image=row.instance,
                    position=row.cleaned_data["position"],
                ), ["position"]))
        deleted = [row.instance for row in images.deleted_forms if row.instance.pk]
        for image in deleted:
            services.product_image_remove(actor=request.user, image=image)
        self._bookkeep(images, new=new, changed=changed, deleted=deleted)

    @staticmethod
    def _added(formset) -> list[forms.Form]:
        return [row for row in formset.extra_forms
                if row.has_changed() and row not in formset.deleted_forms]

    @staticmethod
    def _bookkeep(formset, *, new=(), changed=(), deleted=()) -> None:
        """What formset.save() would have noted, for the admin's change message."""
        formset.new_objects = list(new)
        formset.changed_objects = list(changed)
        formset.deleted_objects = list(deleted)
