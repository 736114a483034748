"""Proofs uploaded before 0003 sit in the public media under the uploader's file name:
move each into the private storage under a random name, and delete the public copy."""

import logging
import uuid
from functools import partial
from pathlib import PurePosixPath

from django.core.files.storage import default_storage, storages
from django.db import migrations, transaction

logger = logging.getLogger(__name__)


def proofs_move_to_private(apps, schema_editor):
    Payment = apps.get_model("payments", "Payment")
    private = storages["private"]
    for payment in Payment.objects.exclude(proof="").only("pk", "proof").iterator():
        old_name = payment.proof.name
        if private.exists(old_name):  # already moved, or uploaded after 0003
            continue
        if not default_storage.exists(old_name):
            logger.warning("Payment %s: proof %s is missing; left as it is", payment.pk, old_name)
            continue
        extension = PurePosixPath(old_name).suffix.lower()
        with default_storage.open(old_name, "rb") as public_file:
            new_name = private.save(f"payments/proofs/{uuid.uuid4().hex}{extension}", public_file)
        Payment.objects.filter(pk=payment.pk).update(proof=new_name)
        # Only once the rows point at the copies: a failed migration keeps the originals.
        transaction.on_commit(
            partial(default_storage.delete, old_name), using=schema_editor.connection.alias
        )


class Migration(migrations.Migration):

    dependencies = [
        ("payments", "0003_proof_private_random_name"),
    ]

    operations = [
        migrations.RunPython(proofs_move_to_private, migrations.RunPython.noop, elidable=True),
    ]
