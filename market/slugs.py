from django.db.models import Model
from django.utils.text import slugify


def unique_slug(model: type[Model], text: str, *, max_length: int = 200) -> str:
    """A slug for `text` not yet used by `model`: "kopi-ledo", then "kopi-ledo-2", ..."""
    base = slugify(text)[: max_length - 8].strip("-") or "item"
    taken = set(
        model.objects.filter(slug__startswith=base).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug
