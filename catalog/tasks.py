"""Celery tasks of the catalog: take ids, load fresh, call one service."""

from celery import shared_task


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def product_image_thumbnails_task(*, image_pk: int) -> None:
    # Imported here: the services enqueue this task, so they import this module.
    from catalog.services import product_image_thumbnails_make

    product_image_thumbnails_make(image_pk=image_pk)
