from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_orderline_category_alter_checkout_created_at_and_more"),
        ("events", "0002_order_events_from_orders"),
    ]

    operations = [
        migrations.DeleteModel(name="OrderEvent"),
    ]
