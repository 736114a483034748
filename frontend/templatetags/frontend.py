"""Template helpers of the pages: links that keep the query, images with srcset."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from market.images import THUMBNAIL_SIZES

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with `changes` applied (a page link keeps the filters)."""
    query = context["request"].GET.copy()
    for name, value in changes.items():
        if value in (None, ""):
            query.pop(name, None)
        else:
            query[name] = value
    return query.urlencode()


@register.simple_tag
def product_image(image, *, alt: str, sizes: str = "(min-width: 40rem) 13rem, 50vw",
                  size: str = "medium", lazy: bool = True) -> str:
    """An <img> of a product photo: the thumbnails as srcset once the worker made them."""
    srcset = ", ".join(
        f"{url} {width}w"
        for name, width in THUMBNAIL_SIZES.items()
        if (url := image.thumbnail_url(name))
    )
    src = image.thumbnail_url(size) or image.image.url
    return format_html(
        '<img src="{}"{} alt="{}" width="{}" height="{}"{}>',
        src,
        format_html(' srcset="{}" sizes="{}"', srcset, sizes) if srcset else "",
        alt,
        THUMBNAIL_SIZES[size],
        THUMBNAIL_SIZES[size],
        mark_safe(' loading="lazy" decoding="async"') if lazy else "",
    )
