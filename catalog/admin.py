from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from catalog.models import Category, Product, ProductImage, Variant
from catalog.search import product_search_refresh
from catalog.services import product_price_refresh
from catalog.tasks import product_image_thumbnails_task
from market.images import InvalidImage, image_clean


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "parent"]
    list_filter = ["parent"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    list_select_related = ["parent"]


class VariantFormSet(forms.BaseInlineFormSet):
    def clean(self):
        """SKUs are unique within the product's cooperative, a field these forms do not show."""
        super().clean()
        kept = [
            form for form in self.forms
            if form.cleaned_data and not self._should_delete_form(form)
        ]
        if not kept:
            raise ValidationError(_("A product needs at least one variant."))
        taken = set(
            Variant.objects.filter(cooperative_id=self.instance.cooperative_id)
            .exclude(pk__in=[form.instance.pk for form in kept if form.instance.pk])
            .values_list("sku", flat=True)
        )
        for form in kept:
            sku = form.cleaned_data.get("sku")
            if sku in taken:
                form.add_error("sku", _("SKU already used in this cooperative."))
            taken.add(sku)


class VariantForm(forms.ModelForm):
    class Meta:
        model = Variant
        fields = ["sku", "name", "price", "stock"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Checkouts change stock while the page is open: a save here would overwrite
            # them. Stock of an existing variant changes through PATCH /variants/{id}/.
            self.fields["stock"].disabled = True


class VariantInline(admin.TabularInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    extra = 0
    min_num = 1  # a product needs at least one variant
    fields = ["sku", "name", "price", "stock"]


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ["image", "position"]

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload and "image" in self.changed_data:
            try:
                return image_clean(upload)
            except InvalidImage as error:
                raise ValidationError(str(error)) from error
        return upload


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    extra = 0
    fields = ["image", "position", "thumbnails"]
    readonly_fields = ["thumbnails"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "cooperative", "category", "price", "status", "created_at"]
    list_filter = ["status", "category", "cooperative__region"]
    search_fields = ["name", "slug", "cooperative__name", "variants__sku"]
    list_select_related = ["cooperative", "category"]
    autocomplete_fields = ["cooperative"]
    readonly_fields = ["price", "created_at", "updated_at"]
    inlines = [VariantInline, ProductImageInline]
    show_full_result_count = False  # no second COUNT(*) over 100,000 products per page

    def get_readonly_fields(self, request, obj=None):
        # Its variants' SKUs are unique within its cooperative: a product stays where it is.
        return [*self.readonly_fields, "cooperative"] if obj else self.readonly_fields

    def save_formset(self, request, form, formset, change):
        product = form.instance
        for obj in formset.save(commit=False):
            if isinstance(obj, Variant) and obj.pk:
                obj.save(update_fields=["sku", "name", "price"])  # never a stale stock
                continue
            if isinstance(obj, Variant):
                obj.cooperative_id = product.cooperative_id  # SKUs are unique per cooperative
            obj.save()
            if isinstance(obj, ProductImage):
                product_image_thumbnails_task.delay_on_commit(image_pk=obj.pk)
        for obj in formset.deleted_objects:
            obj.delete()
        if formset.model is Variant:
            product_price_refresh(product)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        product_search_refresh(Product.objects.filter(pk=form.instance.pk))
