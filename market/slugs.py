from django.db import IntegrityError, transaction
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


def save_with_unique_slug(instance: Model, text: str, *, attempts: int = 5) -> Model:
    """Save a new row under a free slug, trying again if a concurrent save took it."""
    model = type(instance)
    for _attempt in range(attempts):
        instance.slug = unique_slug(model, text)
        try:
            with transaction.atomic():
                instance.save()
        except IntegrityError:
            if not model.objects.filter(slug=instance.slug).exists():
                raise  # another constraint: the caller's to explain
            continue
        return instance
    raise IntegrityError(f"No free slug for {text!r} after {attempts} attempts.")
