"""A large synthetic catalog for benchmarks: `python manage.py seed_bulk --products 100000`.

Fast and memory-flat: each batch of products is generated, bulk-inserted with its
variants and indexed for search, then dropped before the next one. Safe on an
existing database: it adds rows under a fresh run token (slugs, SKUs) and reuses
the synthetic cooperatives (NIK prefix 61079) of earlier runs.
"""

import random
import resource
import time
from collections.abc import Iterator

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries, transaction
from django.utils import timezone
from django.utils.text import slugify

from catalog.models import Category, Product, Variant
from catalog.search import product_search_refresh
from market.models import Cooperative, Membership, Region, User

SYNTHETIC_NIK_PREFIX = "61079"  # the demo's NIKs start 61070; these never collide with them
BULK_OWNER_EMAIL = "bulk-owner@pasar.test"
BENGKAYANG = "61.07"

COOPERATIVE_STEMS = [
    "Tani Makmur",
    "Kopi Borneo",
    "Lada Sejahtera",
    "Karet Bersatu",
    "Sawit Rakyat",
    "Gula Aren Lestari",
    "Rotan Mandiri",
    "Nelayan Jaya",
    "Hasil Bumi",
    "Niaga Bersama",
]
FOOD = ["Premium", "Organik", "Asli", "Pilihan", "Murni", "Super", "Tradisional", "Kemasan Hemat"]
FRESH = ["Segar", "Petik Pagi", "Grade A", "Pilihan", "Lokal", "Panen Baru"]
CRAFT = ["Khas Dayak", "Motif Tradisional", "Buatan Tangan", "Anyaman Halus", "Warna Alami"]
SERVICE = ["Harian", "Mingguan", "Rombongan", "Antar Kecamatan", "Paket Hemat"]
PLACES = [
    "Ledo",
    "Seluas",
    "Samalantan",
    "Sungai Raya",
    "Bengkayang",
    "Sanggau Ledo",
    "Jagoi Babang",
    "Monterado",
    "Teriak",
    "Capkala",
    "Siding",
    "Lumar",
    "Sungai Betung",
    "Lembah Bawang",
    "Tujuh Belas",
    "Borneo",
    "Kalimantan",
]
PHRASES = [
    "dipanen dan diolah oleh anggota koperasi",
    "dikemas higienis dan dikirim dari gudang koperasi",
    "hasil kebun rakyat tanpa bahan pengawet",
    "dikerjakan tangan oleh pengrajin kampung",
    "dijemur alami di bawah matahari",
    "dipilih satu per satu sebelum dikemas",
    "tahan lama dan cocok untuk oleh-oleh",
    "tersedia setiap minggu, stok terbatas saat musim hujan",
]
# Base product, its category, unit, qualifier words and a typical price in rupiah.
BASES: list[tuple[str, str, str, list[str], int]] = [
    ("Kopi Robusta", "kopi-teh", "kg", FOOD, 120_000),
    ("Kopi Liberika", "kopi-teh", "kg", FOOD, 140_000),
    ("Kopi Bubuk", "kopi-teh", "pack", FOOD, 35_000),
    ("Teh Daun Kelor", "kopi-teh", "pack", FOOD, 25_000),
    ("Gula Aren Cetak", "gula-aren-madu", "kg", FOOD, 50_000),
    ("Gula Aren Cair", "gula-aren-madu", "liter", FOOD, 80_000),
    ("Gula Semut Aren", "gula-aren-madu", "pack", FOOD, 30_000),
    ("Madu Kelulut", "gula-aren-madu", "liter", FOOD, 350_000),
    ("Madu Hutan", "gula-aren-madu", "liter", FOOD, 220_000),
    ("Keripik Pisang", "makanan-olahan", "pack", FOOD, 15_000),
    ("Keripik Singkong", "makanan-olahan", "pack", FOOD, 14_000),
    ("Lempok Durian", "makanan-olahan", "pack", FOOD, 45_000),
    ("Abon Ikan", "makanan-olahan", "pack", FOOD, 25_000),
    ("Sambal Terasi", "makanan-olahan", "pcs", FOOD, 20_000),
    ("Kerupuk Udang", "makanan-olahan", "pack", FOOD, 22_000),
    ("Lada Putih", "lada", "kg", FOOD, 160_000),
    ("Lada Hitam", "lada", "kg", FOOD, 140_000),
    ("Karet Lembaran", "karet", "kg", FRESH, 14_000),
    ("Bokar Karet", "karet", "kg", FRESH, 11_000),
    ("Minyak Goreng Sawit", "kelapa-sawit", "liter", FOOD, 17_000),
    ("Bibit Sawit", "kelapa-sawit", "pcs", FRESH, 35_000),
    ("Sabun Sawit", "kelapa-sawit", "pcs", CRAFT, 12_000),
    ("Biji Kakao", "kakao", "kg", FRESH, 95_000),
    ("Cokelat Batang", "kakao", "pcs", FOOD, 18_000),
    ("Tas Anyaman Rotan", "anyaman", "pcs", CRAFT, 175_000),
    ("Tikar Anyaman Pandan", "anyaman", "pcs", CRAFT, 120_000),
    ("Keranjang Bambu", "anyaman", "pcs", CRAFT, 60_000),
    ("Tengkalang Rotan", "anyaman", "pcs", CRAFT, 225_000),
    ("Kain Tenun Ikat", "tenun-kain", "pcs", CRAFT, 350_000),
    ("Selendang Tenun", "tenun-kain", "pcs", CRAFT, 180_000),
    ("Gelang Manik", "kerajinan", "pcs", CRAFT, 25_000),
    ("Ikan Tenggiri", "ikan-segar", "kg", FRESH, 95_000),
    ("Udang Galah", "ikan-segar", "kg", FRESH, 130_000),
    ("Ikan Patin", "ikan-segar", "kg", FRESH, 40_000),
    ("Ikan Asin Teri", "ikan-olahan", "pack", FOOD, 30_000),
    ("Ebi Kering", "ikan-olahan", "pack", FOOD, 28_000),
    ("Cumi Asin", "ikan-olahan", "pack", FOOD, 60_000),
    ("Beras Lokal", "beras", "kg", FRESH, 15_000),
    ("Beras Merah", "beras", "kg", FOOD, 22_000),
    ("Beras Ketan Hitam", "beras", "kg", FOOD, 25_000),
    ("Cabai Rawit", "sayur-buah", "kg", FRESH, 55_000),
    ("Durian Kampung", "sayur-buah", "pcs", FRESH, 60_000),
    ("Jahe Merah", "sayur-buah", "kg", FRESH, 38_000),
    ("Pisang Kepok", "sayur-buah", "kg", FRESH, 15_000),
    ("Terong Asam", "sayur-buah", "kg", FRESH, 12_000),
    ("Bibit Durian Okulasi", "bibit-pupuk", "pcs", FRESH, 65_000),
    ("Pupuk Kompos", "bibit-pupuk", "pack", FOOD, 45_000),
    ("Benih Padi", "bibit-pupuk", "kg", FRESH, 14_000),
    ("Sewa Pikap", "jasa-angkutan", "pcs", SERVICE, 150_000),
    ("Ekspedisi Barang", "jasa-angkutan", "pcs", SERVICE, 85_000),
    ("Paket Wisata Riam", "jasa-wisata", "pcs", SERVICE, 75_000),
    ("Sewa Perahu Lemukutan", "jasa-wisata", "pcs", SERVICE, 400_000),
]
# Variant names and their share of the base price, by unit.
VARIANT_SCHEMES = {
    "kg": [("250 g", 0.3), ("500 g", 0.55), ("1 kg", 1.0)],
    "liter": [("250 ml", 0.3), ("500 ml", 0.55), ("1 liter", 1.0)],
    "pack": [("kecil", 1.0), ("sedang", 1.8), ("besar", 2.5)],
    "pcs": [("1 buah", 1.0), ("isi 3", 2.8), ("isi 6", 5.2)],
}
WEIGHTS = {"kg": 1000, "liter": 1000, "pack": 250, "pcs": 300}
STATUSES = [Product.Status.ACTIVE] * 92 + [Product.Status.DRAFT] * 5 + [Product.Status.ARCHIVED] * 3


class Command(BaseCommand):
    help = "Add a large synthetic catalog for benchmarks (bulk inserts in batches)."

    def add_arguments(self, parser):
        parser.add_argument("--products", type=int, default=100_000)
        parser.add_argument(
            "--cooperatives",
            type=int,
            default=200,
            help="verified synthetic cooperatives to spread products over",
        )
        parser.add_argument("--batch", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=2026, help="random seed of the names")

    def handle(self, *args, products, cooperatives, batch, seed, **options):
        if products < 0 or cooperatives < 1 or batch < 1:
            raise CommandError("--products >= 0, --cooperatives >= 1 and --batch >= 1.")
        started = time.monotonic()
        rng = random.Random(seed)
        cooperative_ids = synthetic_cooperatives(cooperatives)
        categories = dict(Category.objects.values_list("slug", "pk"))
        missing = {base[1] for base in BASES} - set(categories)
        if missing:
            raise CommandError(f"Unknown categories (migrate first): {sorted(missing)}")
        token = run_token()
        variants_total = 0
        for first, size in batches(products, batch):
            variants_total += insert_batch(rng, token, first, size, cooperative_ids, categories)
            reset_queries()  # with DEBUG on, the logged SQL of big inserts adds up
            self.stdout.write(f"  {first + size:>9,} products  {time.monotonic() - started:6.1f} s")
        if connection.vendor == "postgresql":
            # Fresh statistics (and visibility, where VACUUM may run) for the planner.
            vacuum = "" if connection.in_atomic_block else "VACUUM "
            with connection.cursor() as cursor:
                cursor.execute(
                    f"{vacuum}ANALYZE market_cooperative, catalog_product, catalog_variant"
                )
        elapsed = time.monotonic() - started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write(
            f"Added {products:,} products and {variants_total:,} variants over "
            f"{len(cooperative_ids)} cooperatives in {elapsed:.1f} s "
            f"(run {token}, peak memory {peak_mb:.0f} MB)"
        )


def synthetic_cooperatives(count: int) -> list[int]:
    """Ids of `count` verified synthetic cooperatives, reusing those of earlier runs."""
    existing = list(
        Cooperative.objects.filter(
            nik__startswith=SYNTHETIC_NIK_PREFIX, status=Cooperative.Status.VERIFIED
        )
        .order_by("nik")
        .values_list("pk", flat=True)[:count]
    )
    if len(existing) == count:
        return existing
    numbers = Cooperative.objects.filter(nik__startswith=SYNTHETIC_NIK_PREFIX).values_list(
        "nik", flat=True
    )
    start = max((int(nik[len(SYNTHETIC_NIK_PREFIX) :]) for nik in numbers), default=0) + 1
    districts = list(Region.objects.filter(parent__code=BENGKAYANG).order_by("code"))
    if not districts:
        raise CommandError("No Bengkayang kecamatan: migrate first.")
    owner, _created = User.objects.get_or_create(
        email=BULK_OWNER_EMAIL,
        defaults={"name": "Pengurus Data Sintetis", "password": make_password(None)},
    )
    now = timezone.now()
    new = []
    for number in range(start, start + count - len(existing)):
        district = districts[number % len(districts)]
        name = (
            f"Koperasi {COOPERATIVE_STEMS[number % len(COOPERATIVE_STEMS)]} "
            f"{district.name} {number}"
        )
        new.append(
            Cooperative(
                name=name,
                slug=f"{slugify(name)}-sintetis",
                nik=f"{SYNTHETIC_NIK_PREFIX}{number:011d}",
                legal_number=f"{number}/BH/SINTETIS/2026",
                kind=Cooperative.Kind.PRODUSEN,
                region=district,
                address=f"Jl. Raya {district.name} No. {number % 200 + 1}",
                phone="081200000000",
                description="Koperasi sintetis untuk uji kinerja.",
                members_count=100,
                status=Cooperative.Status.VERIFIED,
                status_note="Data sintetis (seed_bulk)",
                status_changed_at=now,
            )
        )
    with transaction.atomic():
        created = Cooperative.objects.bulk_create(new)
        Membership.objects.bulk_create(
            Membership(user=owner, cooperative=cooperative, role=Membership.Role.OWNER)
            for cooperative in created
        )
    return existing + [cooperative.pk for cooperative in created]


def run_token() -> str:
    """A short token unique to this run, so its slugs and SKUs never meet earlier ones."""
    token = _base36(int(time.time() * 10))
    while Variant.objects.filter(sku__startswith=f"BULK-{token}-").exists():
        time.sleep(0.1)
        token = _base36(int(time.time() * 10))
    return token


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, digit = divmod(number, 36)
        out = digits[digit] + out
    return out or "0"


@transaction.atomic
def insert_batch(
    rng: random.Random,
    token: str,
    first: int,
    size: int,
    cooperative_ids: list[int],
    categories: dict[str, int],
) -> int:
    """Insert products first..first+size with their variants; returns the variants added."""
    products, variant_rows = [], []
    for number in range(first, first + size):
        product, variants = _synthetic_product(rng, token, number, cooperative_ids, categories)
        products.append(product)
        variant_rows.append(variants)
    Product.objects.bulk_create(products, batch_size=1_000)
    variants = [
        Variant(product=product, cooperative_id=product.cooperative_id, **row)
        for product, rows in zip(products, variant_rows, strict=True)
        for row in rows
    ]
    Variant.objects.bulk_create(variants, batch_size=2_000)
    product_search_refresh(Product.objects.filter(pk__in=[product.pk for product in products]))
    return len(variants)


def _synthetic_product(
    rng, token, number, cooperative_ids, categories
) -> tuple[Product, list[dict]]:
    base, category, unit, qualifiers, typical_price = rng.choice(BASES)
    words = [base]
    if rng.random() < 0.7:
        words.append(rng.choice(qualifiers))
    place = rng.choice(PLACES)
    if rng.random() < 0.6:
        words.append(place)
    name = " ".join(words)
    price = typical_price * rng.uniform(0.7, 1.5)
    scheme = VARIANT_SCHEMES[unit]
    variant_count = rng.choices([1, 2, 3], weights=[40, 35, 25])[0]
    variants = [
        {
            "sku": f"BULK-{token}-{number}-{index}",
            "name": variant_name,
            "price": _rupiah(price * share),
            "stock": 0 if rng.random() < 0.1 else rng.randint(1, 500),
        }
        for index, (variant_name, share) in enumerate(scheme[:variant_count], start=1)
    ]
    product = Product(
        cooperative_id=rng.choice(cooperative_ids),
        name=name,
        slug=f"{slugify(name)}-{token}-{number}",
        description=f"{name}, {rng.choice(PHRASES)}. Asal {place}, Kabupaten Bengkayang, "
        f"Kalimantan Barat; {rng.choice(PHRASES)}.",
        category_id=categories[category],
        unit=unit,
        weight_grams=WEIGHTS[unit],
        status=rng.choice(STATUSES),
        price=min(variant["price"] for variant in variants),
    )
    return product, variants


def _rupiah(amount: float) -> int:
    return max(500, round(amount / 500) * 500)


def batches(total: int, size: int) -> Iterator[tuple[int, int]]:
    for first in range(0, total, size):
        yield first, min(size, total - first)
