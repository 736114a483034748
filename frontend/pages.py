"""What every page view shares: domain errors as form errors, page numbers, htmx."""

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from market.errors import DomainError

PAGE_SIZE = 24


def paginate(request: HttpRequest, items, per_page: int = PAGE_SIZE) -> tuple[Page, list]:
    """The requested page (a bad number shows the nearest page) and the numbers to link."""
    page = Paginator(items, per_page).get_page(request.GET.get("page"))
    return page, page_numbers(page)


def page_numbers(page: Page) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20: first, last and two either side; None marks a gap."""
    last = page.paginator.num_pages
    shown = sorted({1, last, *range(max(1, page.number - 2), min(last, page.number + 2) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def error_fields(error: DomainError) -> dict[str, list[str]]:
    """A service's refusal as {field: [messages]}; a refusal without fields goes under ''."""
    if not error.fields:
        return {"": [str(error.message)]}
    return {
        name: [str(m) for m in (msgs if isinstance(msgs, list | tuple) else [msgs])]
        for name, msgs in error.fields.items()
    }


def flash_error(request: HttpRequest, error: DomainError) -> None:
    """Show a refusal at the top of the next page (after a redirect)."""
    for texts in error_fields(error).values():
        for text in texts:
            messages.error(request, text)


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx made (it swaps a fragment); without JavaScript the whole page comes.

    Going back to an address htmx pushed, it asks for the whole page (a history restore).
    """
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")
