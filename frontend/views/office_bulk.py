"""Bulk product upload from an XLSX template: check every row, then apply.

Who may is the API's product-creation rule (any staff member of the cooperative, the
back office's own check). The rules of each row are product_create's: the service checks
the whole file before anything is kept and lists every problem by row and column.
"""

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from catalog import selectors
from catalog.models import ProductImport
from catalog.services import bulk as bulk_services
from frontend.office import office_context, office_cooperative
from frontend.pages import error_messages, flash_error, is_htmx, login_required
from market.errors import DomainError, NotFound
from market.spreadsheets import file_name, xlsx_response
from market.throttles import page_within_limits

RECENT_IMPORTS = 10


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Filled-in template (XLSX)"),
        widget=forms.ClearableFileInput(attrs={
            "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }),
    )


@login_required
@require_http_methods(["GET", "POST"])
def bulk(request: HttpRequest, slug: str) -> HttpResponse:
    """The upload form and the recent uploads; a file with errors comes back listed by row."""
    cooperative = office_cooperative(request, slug)
    form, rejected, status = UploadForm(), None, 200
    if request.method == "POST":
        form, status = UploadForm(request.POST, request.FILES), 400
        if not page_within_limits(request, "upload"):  # each check reads a whole workbook
            form.add_error("file", _("Too many uploads from here. Try again later."))
            status = 429
        elif form.is_valid():
            try:
                product_import = bulk_services.product_import_create(
                    actor=request.user, cooperative=cooperative, upload=form.cleaned_data["file"]
                )
            except bulk_services.ImportRejected as error:
                rejected = error
            except DomainError as error:
                form.add_error("file", error_messages(error))
            else:
                return redirect("frontend:office-bulk-job", cooperative.slug, product_import.pk)
    return render(request, "frontend/office/bulk.html", office_context(
        request, cooperative, "bulk", form=form, rejected=rejected,
        imports=selectors.product_import_list(cooperative=cooperative)[:RECENT_IMPORTS],
        max_rows=bulk_services.MAX_ROWS, in_request_max_rows=bulk_services.IN_REQUEST_MAX_ROWS,
    ), status=status)


@login_required
@require_GET
def bulk_template(request: HttpRequest, slug: str) -> HttpResponse:
    """The XLSX to fill in, with the categories to choose from."""
    cooperative = office_cooperative(request, slug)
    name = file_name("produk", cooperative.slug, extension="xlsx")
    return xlsx_response(name, bulk_services.product_import_template())


@login_required
@require_http_methods(["GET", "POST"])
def bulk_job(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A checked upload: its counts and the Apply button; then its progress and outcome.

    htmx polls the progress fragment; without JavaScript the page refreshes itself.
    """
    cooperative = office_cooperative(request, slug)
    try:
        product_import = selectors.product_import_get(cooperative=cooperative, pk=pk)
    except NotFound:
        raise Http404 from None
    if request.method == "POST":
        try:
            product_import = bulk_services.product_import_apply(actor=request.user,
                                                       product_import=product_import)
        except DomainError as error:
            flash_error(request, error)
        return redirect("frontend:office-bulk-job", cooperative.slug, product_import.pk)
    context = office_context(
        request, cooperative, "bulk", product_import=product_import,
        done=bulk_services.product_import_done_count(product_import),
        applying=product_import.status == ProductImport.Status.APPLYING,
    )
    if is_htmx(request):
        return render(request, "frontend/office/_bulk_progress.html", context)
    return render(request, "frontend/office/bulk_job.html", context)
