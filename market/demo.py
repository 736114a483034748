"""The Bengkayang demo picture: 191 cooperatives, 80 trading, 111 dormant, 34 with RAT this year.

Idempotent: cooperatives are keyed by NIK and users by e-mail, so running it
again changes nothing. Everything goes through the same services users call.
"""

import datetime
import functools
import random
from contextlib import nullcontext
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from market.models import Cooperative, DinasOfficer, Region, User
from market.notifications.kinds import notifications_silenced
from market.selectors import Period, monitoring_cooperative_list, monitoring_sales
from market.services import cooperatives

DEMO_PASSWORD = "pasar-demo-2026"
DEMO_BUYER_EMAIL = "pembeli@pasar.test"
OFFICER_EMAIL = "dinas@pasar.test"
COOPERATIVES_TOTAL = 191
ACTIVE_TOTAL = 80
RAT_THIS_YEAR_TOTAL = 34
# Of the 111 dormant: most are verified but not trading, some suspended, a few
# still waiting for the dinas to verify them (so the officer has work to see).
SUSPENDED_TOTAL = 12
PENDING_TOTAL = 7

NAME_STEMS = {
    Cooperative.Kind.PRODUSEN: ["Tani Makmur", "Kopi Borneo", "Lada Sejahtera", "Karet Bersatu",
                                "Sawit Rakyat", "Gula Aren Lestari", "Rotan Mandiri"],
    Cooperative.Kind.PEMASARAN: ["Pasar Tani", "Niaga Bersama", "Hasil Bumi", "Nelayan Jaya"],
    Cooperative.Kind.KONSUMEN: ["Karyawan Sejahtera", "Warga Mandiri", "Guru Bengkayang"],
    Cooperative.Kind.JASA: ["Angkutan Perbatasan", "Wisata Riam", "Jasa Tani"],
    Cooperative.Kind.SIMPAN_PINJAM: ["Credit Union Pancur Kasih", "Simpan Pinjam Harapan",
                                     "Usaha Bersama"],
}
KIND_WEIGHTS = {
    Cooperative.Kind.PRODUSEN: 45,
    Cooperative.Kind.PEMASARAN: 20,
    Cooperative.Kind.KONSUMEN: 15,
    Cooperative.Kind.JASA: 8,
    Cooperative.Kind.SIMPAN_PINJAM: 12,
}


@dataclass(frozen=True)
class DemoLogins:
    buyer: User
    owner: User
    officer: User
    finance: User
    admin: User


def seed_market() -> DemoLogins:
    """Create (or find) the demo users and the 191 Bengkayang cooperatives."""
    # The decision e-mails of 191 verifications would flood the console.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        return _seed_market()


@transaction.atomic
def _seed_market() -> DemoLogins:
    rng = random.Random(6107)
    admin = demo_user("admin@pasar.test", "Admin Pasar", is_staff=True, is_superuser=True)
    buyer = demo_user(DEMO_BUYER_EMAIL, "Siti Pembeli")
    officer = demo_user(OFFICER_EMAIL, "Yohanes PPKL Bengkayang")
    officer_profile, _created = DinasOfficer.objects.get_or_create(
        user=officer, defaults={"title": "PPKL Dinas Koperasi UMKM Bengkayang"}
    )
    bengkayang = Region.objects.get(code="61.07")
    officer_profile.regions.add(bengkayang)
    finance = demo_user("keuangan@pasar.test", "Keuangan Pasar Koperasi")
    finance.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="manage_finance")
    )

    districts = list(Region.objects.filter(parent=bengkayang).order_by("code"))
    kinds = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()),
                        k=COOPERATIVES_TOTAL)
    today = timezone.localdate()
    first_owner = None
    for number in range(COOPERATIVES_TOTAL):
        district = districts[number % len(districts)]
        kind = kinds[number]
        name = f"Koperasi {rng.choice(NAME_STEMS[kind])} {district.name}"
        owner = demo_user(f"pengurus{number + 1:03d}@pasar.test", f"Pengurus {number + 1:03d}")
        first_owner = first_owner or owner
        status = _demo_status(number)
        # Only the cooperatives still waiting tell the officer; the decided ones were
        # registered and verified long ago.
        with nullcontext() if status == Cooperative.Status.PENDING else notifications_silenced():
            cooperative = _cooperative(number, name, kind, district, owner, rng)
            _decide(cooperative, status, admin)
        if number < RAT_THIS_YEAR_TOTAL and cooperative.last_rat_date is None:
            cooperatives.rat_record(
                actor=owner,
                cooperative=cooperative,
                held_on=_rat_day(today, rng),
                attendance=cooperative.members_count * 3 // 4,
                members_total=cooperative.members_count,
            )
    return DemoLogins(buyer=buyer, owner=first_owner, officer=officer, finance=finance,
                      admin=admin)


def _demo_status(number: int) -> str:
    """The first 80 trade; of the rest, the last ones are pending, then suspended."""
    if number < ACTIVE_TOTAL:
        return Cooperative.Status.VERIFIED
    if number >= COOPERATIVES_TOTAL - PENDING_TOTAL:
        return Cooperative.Status.PENDING
    if number >= COOPERATIVES_TOTAL - PENDING_TOTAL - SUSPENDED_TOTAL:
        return Cooperative.Status.SUSPENDED
    return Cooperative.Status.VERIFIED


def active_demo_cooperatives():
    """The 80 cooperatives that trade in the demo (the catalog and orders seed them)."""
    niks = [_nik(number) for number in range(ACTIVE_TOTAL)]
    return Cooperative.objects.filter(nik__in=niks).order_by("nik")


def _nik(number: int) -> str:
    return f"6107{number + 1:012d}"


def _cooperative(number, name, kind, district, owner, rng) -> Cooperative:
    existing = Cooperative.objects.filter(nik=_nik(number)).first()
    if existing:
        return existing
    return cooperatives.cooperative_register(
        owner=owner,
        name=name,
        nik=_nik(number),
        legal_number=f"{rng.randint(100, 999)}/BH/XIX/{rng.randint(1995, 2024)}",
        kind=kind,
        region=district.code,
        address=f"Jl. {rng.choice(['Merdeka', 'Sudirman', 'Ahmad Yani', 'Pendidikan'])} "
        f"No. {rng.randint(1, 120)}, {district.name}",
        phone=f"08{rng.randint(1100000000, 5999999999)}",
        description=f"{name} melayani anggota dan warga Kecamatan {district.name}.",
        members_count=rng.randint(25, 900),
    )


def _decide(cooperative: Cooperative, status: str, admin: User) -> None:
    if cooperative.status != status and status != Cooperative.Status.PENDING:
        cooperatives.cooperative_verify(
            actor=admin, cooperative=cooperative, decision=status, note="Data demo"
        )


def _rat_day(today: datetime.date, rng: random.Random) -> datetime.date:
    """A day this year, up to today (a RAT cannot be recorded before it is held)."""
    start = min(datetime.date(today.year, 1, 15), today)
    span = max((today - start).days, 0)
    return start + datetime.timedelta(days=rng.randint(0, span))


@dataclass(frozen=True)
class DemoFigures:
    """The demo's last year as the dinas officer's monitoring shows it."""

    cooperatives: int
    rat_this_year: int
    gross: int
    selling: int  # cooperatives with a sale in the year
    top_five_share: float  # of the gross, the five best sellers'
    inactive_trading: int  # trading cooperatives without a sale in MONITORING_ACTIVE_DAYS


def demo_figures(*, today: datetime.date) -> DemoFigures:
    """What the seeded demo adds up to, through the monitoring selectors the dinas uses."""
    officer = User.objects.get(email=OFFICER_EMAIL)
    year = Period(start=today - datetime.timedelta(days=364), end=today)
    rows = monitoring_sales(user=officer, period=year, group_by="cooperative")["results"]
    gross = sorted((row["gross"] for row in rows), reverse=True)
    registry = monitoring_cooperative_list(user=officer, today=today)
    inactive = monitoring_cooperative_list(user=officer, today=today, active=False)
    total = sum(gross)
    return DemoFigures(
        cooperatives=registry.count(),
        rat_this_year=monitoring_cooperative_list(user=officer, today=today,
                                                  rat_held=today.year).count(),
        gross=total,
        selling=sum(1 for amount in gross if amount),
        top_five_share=sum(gross[:5]) / total if total else 0.0,
        inactive_trading=inactive.filter(pk__in=active_demo_cooperatives()).count(),
    )


def demo_user(email: str, name: str, **flags) -> User:
    # Demo accounts are made on the server, not signed up for: their addresses count as verified.
    user, _created = User.objects.get_or_create(
        email=email, defaults={"name": name, "password": demo_password_hash(),
                               "email_verified_at": timezone.now(), **flags}
    )
    return user


@functools.cache
def demo_password_hash() -> str:
    # Hashed once: hashing for each of 200 demo users would take most of a minute.
    return make_password(DEMO_PASSWORD)
