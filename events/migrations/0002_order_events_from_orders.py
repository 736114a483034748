"""Order events move from orders.OrderEvent to events.Event, with a kind."""

from django.db import migrations

KIND_OF_STATUS = {
    "pending_payment": "order_placed",
    "paid": "order_paid",
    "accepted": "order_accepted",
    "shipped": "order_shipped",
    "delivered": "order_delivered",
    "completed": "order_completed",
    "cancelled": "order_cancelled",
}


def copy_order_events(apps, schema_editor):
    OrderEvent = apps.get_model("orders", "OrderEvent")
    Event = apps.get_model("events", "Event")
    rows = OrderEvent.objects.select_related("order").order_by("pk").iterator(chunk_size=2000)
    batch = []
    for old in rows:
        batch.append(Event(
            kind=KIND_OF_STATUS[old.status], at=old.at, actor_id=old.actor_id,
            order_id=old.order_id, cooperative_id=old.order.cooperative_id, status=old.status,
            note=old.note,
            amount=old.order.total if old.status in ("pending_payment", "paid") else None,
        ))
        if len(batch) == 2000:
            Event.objects.bulk_create(batch)
            batch = []
    Event.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("orders", "0002_orderline_category_alter_checkout_created_at_and_more"),
    ]

    operations = [migrations.RunPython(copy_order_events, migrations.RunPython.noop)]
