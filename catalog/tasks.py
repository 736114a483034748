"""Celery tasks of the catalog: take ids, load fresh, call one service."""

from events.outbox import outbox_task


@outbox_task(retry_on=(OSError,))
def product_image_thumbnails_task(*, image_pk: int) -> None:
    # Imported here: the services enqueue this task, so they import this module.
    from catalog.services import product_image_thumbnails_make

    product_image_thumbnails_make(image_pk=image_pk)
