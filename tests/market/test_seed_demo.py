import pytest
from django.core.management import call_command
from django.db.models import Count

from market.models import Cooperative, DinasOfficer, User

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_the_bengkayang_picture_once(capsys):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent

    assert Cooperative.objects.count() == 191
    statuses = dict(Cooperative.objects.values_list("status").annotate(Count("id")))
    assert statuses["verified"] == 172  # 80 trading + 92 dormant
    assert statuses["pending"] + statuses["suspended"] == 191 - 172
    assert Cooperative.objects.values("region").distinct().count() == 17
    assert Cooperative.objects.filter(last_rat_date__isnull=False).count() == 34
    officer = DinasOfficer.objects.get(user__email="dinas@pasar.test")
    assert list(officer.regions.values_list("code", flat=True)) == ["61.07"]
    assert User.objects.get(email="pengurus001@pasar.test").check_password("pasar-demo-2026")
    out = capsys.readouterr().out
    assert "pembeli@pasar.test" in out
    assert "dinas@pasar.test" in out
