"""What every page view shares: domain errors as form errors, page numbers, htmx, log-in."""

from functools import wraps
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required as django_login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

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


def error_messages(error: DomainError) -> list[str]:
    """A service's refusal as a list of messages, whatever field each is about."""
    return [text for texts in error_fields(error).values() for text in texts]


def flash_error(request: HttpRequest, error: DomainError) -> None:
    """Show a refusal at the top of the next page (after a redirect)."""
    for text in error_messages(error):
        messages.error(request, text)


def is_htmx(request: HttpRequest) -> bool:
    """A request htmx made (it swaps a fragment); without JavaScript the whole page comes.

    Going back to an address htmx pushed, it asks for the whole page (a history restore).
    """
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def _on_this_site(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next(request: HttpRequest, fallback: str) -> str:
    """The `next` sent (form, else query) if it is an address on this site, else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    return target if _on_this_site(request, target) else fallback


def htmx_login_redirect(back: str) -> HttpResponse:
    """Send htmx's browser to the log-in page (a whole page), and after it to `back`.

    htmx would follow a redirect itself and swap the log-in page into a fragment.
    """
    response = HttpResponse(status=204)
    response["HX-Redirect"] = redirect_to_login(back).url
    return response


def _page_shown(request: HttpRequest) -> str:
    """The page htmx called from (HX-Current-URL), if on this site; else the home page."""
    shown = request.headers.get("HX-Current-URL", "")
    if not (shown and _on_this_site(request, shown)):
        return resolve_url("frontend:home")
    parts = urlsplit(shown)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def login_required(view):
    """Django's login_required; htmx is sent to log in and back to the page it was on.

    Not to the address htmx called, which often takes only a POST.
    """
    plain = django_login_required(view)

    @wraps(view)
    def checked(request: HttpRequest, *args, **kwargs):
        if is_htmx(request) and not request.user.is_authenticated:
            return htmx_login_redirect(_page_shown(request))
        return plain(request, *args, **kwargs)

    return checked
