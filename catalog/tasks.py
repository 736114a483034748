"""Celery tasks of the catalog: take ids, load fresh, call one service."""

from events.outbox import outbox_task


@outbox_task(retry_on=(OSError,))
def product_image_thumbnails_task(*, image_pk: int) -> None:
    # Imported here: the services enqueue this task, so they import this module.
    from catalog.services import product_image_thumbnails_make

    product_image_thumbnails_make(image_pk=image_pk)


def _product_import_give_up(*, import_pk: int, error: str) -> None:
    from catalog.services.bulk import product_import_give_up

    product_import_give_up(import_pk=import_pk, error=error)


@outbox_task(retry_on=(OSError,), on_give_up=_product_import_give_up)
def product_import_apply_task(*, import_pk: int) -> None:
    """Create the products of an uploaded spreadsheet that staff applied."""
    from catalog.services.bulk import product_import_run

    product_import_run(import_pk=import_pk)
