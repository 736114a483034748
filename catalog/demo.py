"""The demo catalog: each of the 80 trading Bengkayang cooperatives sells 3-8 products.

Idempotent: a cooperative that already has products is left alone. Products and
their photos go through the same services staff use (product_create,
product_image_add), so thumbnails are made by the task, as for a real upload.
"""

import io
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from PIL import Image, ImageDraw, ImageFont

from catalog import services
from catalog.models import Product
from market.demo import NAME_STEMS, active_demo_cooperatives
from market.models import Cooperative, Membership, User

KG, PCS, LITER, PACK = (Product.Unit.KG, Product.Unit.PCS, Product.Unit.LITER,
                        Product.Unit.PACK)
DRAFT_SHARE = 0.08
OUT_OF_STOCK_SHARE = 0.12
IMAGE_SIDE = 400  # the medium thumbnail size: WebP encoding is most of the seed time
PROGRESS_EVERY = 20  # cooperatives


@dataclass(frozen=True)
class Offer:
    """A product a cooperative of some kind plausibly sells; `{place}` is its kecamatan."""

    name: str
    category: str
    unit: str
    weight_grams: int
    description: str
    variants: tuple[tuple[str, int], ...]  # (variant name, typical price in rupiah)


def _offer(name, category, unit, weight_grams, description, *variants) -> Offer:
    return Offer(name, category, unit, weight_grams, description, tuple(variants))


KOPI = [
    _offer("Kopi Robusta Ledo", "kopi-teh", PACK, 250,
           "Kopi robusta bubuk dari kebun rakyat di lereng bukit Ledo, disangrai sedang, "
           "aroma cokelat dan rempah.",
           ("250 g", 35_000), ("500 g", 65_000), ("1 kg", 120_000)),
    _offer("Kopi Robusta Biji Sangrai {place}", "kopi-teh", PACK, 250,
           "Biji kopi robusta pilihan, petik merah, disangrai dalam jumlah kecil setiap minggu.",
           ("250 g", 42_000), ("1 kg", 150_000)),
    _offer("Kopi Liberika Borneo", "kopi-teh", PACK, 250,
           "Kopi liberika khas Kalimantan dengan rasa buah nangka dan sedikit asam segar.",
           ("250 g", 48_000), ("500 g", 90_000)),
    _offer("Green Bean Robusta Bengkayang", "kopi-teh", KG, 1000,
           "Biji kopi mentah (green bean) robusta, kadar air 12%, cocok untuk roastery.",
           ("1 kg", 78_000), ("5 kg", 370_000)),
    _offer("Kopi Jahe Merah Instan", "kopi-teh", PACK, 200,
           "Kopi robusta dengan jahe merah dan gula aren, tinggal seduh air panas.",
           ("isi 10 sachet", 18_000)),
    _offer("Teh Daun Kelor Kering", "kopi-teh", PACK, 100,
           "Daun kelor dikeringkan tanpa pengawet, diseduh sebagai teh herbal.",
           ("100 g", 25_000)),
]
LADA = [
    _offer("Lada Putih Seluas", "lada", PACK, 250,
           "Lada putih butir dari kebun Seluas, pedas tajam dan bersih, dijemur alami.",
           ("250 g", 45_000), ("500 g", 85_000), ("1 kg", 165_000)),
    _offer("Lada Hitam Butir {place}", "lada", PACK, 250,
           "Lada hitam butir kering, dipetik tua, untuk bumbu masakan dan industri.",
           ("250 g", 38_000), ("1 kg", 140_000)),
    _offer("Lada Putih Bubuk", "lada", PACK, 100,
           "Lada putih digiling halus tanpa campuran, dikemas dalam standing pouch.",
           ("100 g", 22_000), ("250 g", 50_000)),
    _offer("Lada Hitam Bubuk Botol", "lada", PCS, 60,
           "Lada hitam bubuk dalam botol tabur, praktis untuk dapur.",
           ("60 g", 15_000)),
    _offer("Bibit Lada Perdu", "bibit-pupuk", PCS, 300,
           "Bibit lada perdu dari setek cabang buah, siap tanam dalam polibag.",
           ("1 batang", 8_000), ("10 batang", 75_000)),
]
KAKAO = [
    _offer("Biji Kakao Fermentasi", "kakao", KG, 1000,
           "Biji kakao difermentasi lima hari dan dijemur, untuk pengolah cokelat.",
           ("1 kg", 95_000), ("5 kg", 450_000)),
    _offer("Cokelat Batang Bengkayang", "kakao", PCS, 50,
           "Cokelat hitam 70% dari kakao petani Bengkayang, tanpa pengawet.",
           ("50 g", 18_000), ("isi 3", 50_000)),
    _offer("Bubuk Kakao Murni", "kakao", PACK, 250,
           "Bubuk kakao murni tanpa gula untuk minuman dan kue.",
           ("250 g", 45_000)),
]
KARET = [
    _offer("Karet Lembaran {place}", "karet", KG, 1000,
           "Karet lembaran (sit) asap dari getah segar, bersih dan kering, mutu ekspor.",
           ("1 kg", 14_000), ("10 kg", 135_000)),
    _offer("Bokar Karet Mangkok", "karet", KG, 1000,
           "Bahan olah karet (bokar) bentuk mangkok, tanpa campuran tanah atau kayu.",
           ("1 kg", 11_000), ("25 kg", 265_000)),
    _offer("Bibit Karet Okulasi PB 260", "bibit-pupuk", PCS, 800,
           "Bibit karet okulasi klon PB 260, dua payung daun, bersertifikat.",
           ("1 batang", 9_000), ("10 batang", 85_000)),
    _offer("Pupuk Kompos Organik", "bibit-pupuk", KG, 25_000,
           "Kompos dari limbah kebun dan kotoran ternak, sudah matang dan tidak berbau.",
           ("25 kg", 45_000)),
]
SAWIT = [
    _offer("Minyak Goreng Sawit Koperasi", "kelapa-sawit", LITER, 1000,
           "Minyak goreng sawit jernih dari pabrik mitra koperasi petani plasma.",
           ("1 liter", 17_000), ("2 liter", 33_000)),
    _offer("Bibit Sawit Bersertifikat DxP", "kelapa-sawit", PCS, 3000,
           "Bibit kelapa sawit DxP umur 12 bulan dari sumber benih resmi.",
           ("1 batang", 35_000), ("10 batang", 330_000)),
    _offer("Sabun Sawit Herbal", "kelapa-sawit", PCS, 100,
           "Sabun batang dari minyak sawit dan serai wangi, buatan ibu-ibu anggota.",
           ("1 batang", 12_000), ("isi 3", 33_000)),
    _offer("Lidi Sawit Ikat", "kelapa-sawit", KG, 1000,
           "Lidi pelepah sawit kering, diikat per kilogram, untuk sapu dan kerajinan.",
           ("1 kg", 8_000)),
    _offer("Pupuk NPK Sawit", "bibit-pupuk", KG, 5000,
           "Pupuk majemuk NPK untuk tanaman sawit menghasilkan.",
           ("5 kg", 60_000), ("25 kg", 285_000)),
]
GULA_MADU = [
    _offer("Gula Aren Cair", "gula-aren-madu", LITER, 500,
           "Gula aren cair dari nira segar, dimasak perlahan di atas tungku kayu.",
           ("250 ml", 25_000), ("500 ml", 45_000), ("1 liter", 85_000)),
    _offer("Gula Aren Cetak {place}", "gula-aren-madu", KG, 500,
           "Gula aren cetak batok kelapa, manis legit, tanpa campuran gula pasir.",
           ("500 g", 28_000), ("1 kg", 52_000)),
    _offer("Gula Semut Aren Organik", "gula-aren-madu", PACK, 250,
           "Gula semut aren butiran kering, mudah larut, untuk kopi dan kue.",
           ("250 g", 30_000), ("500 g", 55_000)),
    _offer("Madu Kelulut Hutan Bengkayang", "gula-aren-madu", PCS, 250,
           "Madu lebah kelulut (trigona) dari hutan Bengkayang, rasa manis asam segar.",
           ("250 ml", 95_000), ("500 ml", 180_000)),
    _offer("Madu Hutan Asli", "gula-aren-madu", PCS, 500,
           "Madu lebah hutan dipanen lestari oleh petani madu dari pohon tualang.",
           ("500 ml", 120_000)),
]
KERAJINAN = [
    _offer("Anyaman Rotan Tas", "anyaman", PCS, 400,
           "Tas anyaman rotan dikerjakan tangan oleh pengrajin Dayak, kuat dan awet.",
           ("sedang", 175_000), ("besar", 275_000)),
    _offer("Tengkalang Rotan Dayak", "anyaman", PCS, 900,
           "Keranjang punggung (tengkalang) rotan dengan motif anyaman tradisional.",
           ("ukuran standar", 225_000)),
    _offer("Tikar Anyaman Pandan", "anyaman", PCS, 1500,
           "Tikar pandan berduri dianyam rapat, pewarna alami.",
           ("1 x 2 m", 120_000), ("2 x 3 m", 260_000)),
    _offer("Caping Anyaman Bambu", "anyaman", PCS, 250,
           "Topi caping dari bambu untuk ke ladang, ringan dan teduh.",
           ("1 buah", 45_000)),
    _offer("Kain Tenun Ikat Dayak", "tenun-kain", PCS, 400,
           "Kain tenun ikat bermotif Dayak Bakati, ditenun dengan alat gedogan.",
           ("selendang", 250_000), ("kain 2 m", 450_000)),
    _offer("Gelang Manik Dayak", "kerajinan", PCS, 30,
           "Gelang manik-manik warna-warni dengan motif khas Dayak.",
           ("1 buah", 25_000), ("isi 3", 65_000)),
]
PERTANIAN = [
    _offer("Beras Lokal Samalantan", "beras", KG, 5000,
           "Beras lokal pulen dari sawah tadah hujan Samalantan, digiling baru.",
           ("5 kg", 75_000), ("10 kg", 145_000)),
    _offer("Beras Merah Organik {place}", "beras", KG, 1000,
           "Beras merah ladang tanpa pupuk kimia, kaya serat.",
           ("1 kg", 22_000), ("5 kg", 105_000)),
    _offer("Beras Ketan Hitam", "beras", KG, 1000,
           "Ketan hitam ladang untuk bubur dan kue tradisional.",
           ("1 kg", 25_000)),
    _offer("Cabai Rawit Segar", "sayur-buah", KG, 250,
           "Cabai rawit petik pagi dari kebun anggota, pedas dan segar.",
           ("250 g", 15_000), ("1 kg", 55_000)),
    _offer("Durian Lokal Bengkayang", "sayur-buah", PCS, 2000,
           "Durian kampung jatuhan pohon, daging tebal dan legit, musim Desember-Februari.",
           ("1 buah", 60_000)),
    _offer("Terong Asam Dayak", "sayur-buah", KG, 1000,
           "Terong asam (terung Dayak) untuk sayur asam dan sambal.",
           ("1 kg", 12_000)),
    _offer("Jahe Merah Segar", "sayur-buah", KG, 500,
           "Jahe merah rimpang tua untuk jamu dan minuman hangat.",
           ("500 g", 20_000), ("1 kg", 38_000)),
]
IKAN = [
    _offer("Ikan Asin Teri Sungai Raya", "ikan-olahan", PACK, 250,
           "Ikan teri asin tawar dari nelayan Sungai Raya, dijemur di bawah matahari.",
           ("250 g", 30_000), ("500 g", 55_000)),
    _offer("Ikan Asin Jambal Roti", "ikan-olahan", PACK, 250,
           "Jambal roti kering, gurih dan harum, cocok digoreng untuk lauk.",
           ("250 g", 65_000)),
    _offer("Udang Ebi Kering", "ikan-olahan", PACK, 100,
           "Ebi dari udang laut kecil, dikupas dan dikeringkan.",
           ("100 g", 28_000), ("250 g", 65_000)),
    _offer("Terasi Udang {place}", "ikan-olahan", PACK, 100,
           "Terasi udang rebon fermentasi alami, beraroma kuat.",
           ("100 g", 12_000), ("250 g", 27_000)),
    _offer("Kerupuk Ikan Tenggiri", "ikan-olahan", PACK, 250,
           "Kerupuk ikan tenggiri mentah, tinggal goreng, mengembang renyah.",
           ("250 g", 25_000), ("500 g", 47_000)),
    _offer("Ikan Tenggiri Segar", "ikan-segar", KG, 1000,
           "Tenggiri hasil tangkapan nelayan pagi ini, dikirim dengan es.",
           ("1 kg", 95_000)),
    _offer("Cumi Asin Lemukutan", "ikan-olahan", PACK, 250,
           "Cumi asin dari perairan Pulau Lemukutan, tidak terlalu asin.",
           ("250 g", 60_000)),
]
OLAHAN = [
    _offer("Keripik Pisang Kepok", "makanan-olahan", PACK, 200,
           "Keripik pisang kepok tipis, rasa original dan manis gula aren.",
           ("200 g", 15_000), ("500 g", 35_000)),
    _offer("Keripik Singkong Balado", "makanan-olahan", PACK, 200,
           "Keripik singkong dengan bumbu balado pedas manis.",
           ("200 g", 14_000)),
    _offer("Lempok Durian", "makanan-olahan", PACK, 250,
           "Dodol durian khas Kalimantan Barat, dari durian lokal tanpa campuran tepung.",
           ("250 g", 45_000), ("500 g", 85_000)),
    _offer("Abon Ikan Tongkol", "makanan-olahan", PACK, 100,
           "Abon ikan tongkol pedas gurih, tahan lama tanpa pengawet.",
           ("100 g", 25_000), ("250 g", 58_000)),
    _offer("Sambal Terasi Botol", "makanan-olahan", PCS, 150,
           "Sambal terasi siap makan dalam botol kaca, resep ibu-ibu koperasi.",
           ("150 g", 20_000)),
    _offer("Kue Bingke Ubi", "makanan-olahan", PCS, 400,
           "Kue bingke dari ubi kayu dan santan, dipanggang tiap pagi.",
           ("1 loyang", 35_000)),
]
ANGKUTAN = [
    _offer("Sewa Pikap Angkut Hasil Panen", "jasa-angkutan", PCS, 0,
           "Pikap dengan sopir untuk mengangkut hasil kebun ke gudang atau pasar.",
           ("dalam kecamatan", 150_000), ("antar kecamatan", 300_000)),
    _offer("Ekspedisi Barang ke Pontianak", "jasa-angkutan", PCS, 0,
           "Kirim barang dari Bengkayang ke Pontianak, berangkat setiap hari.",
           ("per 10 kg", 85_000)),
    _offer("Ojek Hasil Kebun", "jasa-angkutan", PCS, 0,
           "Ojek motor untuk mengangkut getah dan buah dari kebun ke jalan besar.",
           ("per trip", 25_000)),
    _offer("Angkutan Barang Jagoi Babang - Serikin", "jasa-angkutan", PCS, 0,
           "Angkutan barang lintas perbatasan untuk pedagang pasar Serikin.",
           ("per karung", 40_000)),
]
WISATA = [
    _offer("Paket Wisata Riam Merasap", "jasa-wisata", PCS, 0,
           "Wisata air terjun Riam Merasap dengan pemandu lokal dan makan siang.",
           ("per orang", 75_000), ("rombongan 5 orang", 325_000)),
    _offer("Sewa Perahu Pulau Lemukutan", "jasa-wisata", PCS, 0,
           "Perahu nelayan ke Pulau Lemukutan untuk snorkeling, pulang pergi.",
           ("1 hari", 400_000)),
    _offer("Pemandu Pendakian Gunung Bawang", "jasa-wisata", PCS, 0,
           "Pemandu berpengalaman untuk pendakian Gunung Bawang, termasuk tenda.",
           ("per hari", 150_000)),
    _offer("Homestay Desa Wisata Jagoi", "jasa-wisata", PCS, 0,
           "Menginap di rumah warga desa adat Jagoi dengan sarapan khas Dayak.",
           ("per malam", 175_000)),
]
JASA_TANI = [
    _offer("Sewa Traktor Tangan", "bibit-pupuk", PCS, 0,
           "Traktor tangan dengan operator untuk mengolah sawah dan ladang.",
           ("per hari", 250_000)),
    _offer("Jasa Semprot Hama", "bibit-pupuk", PCS, 0,
           "Penyemprotan hama dan gulma oleh petugas terlatih, obat dari pemesan.",
           ("per hektare", 150_000)),
    _offer("Bibit Durian Okulasi", "bibit-pupuk", PCS, 700,
           "Bibit durian okulasi unggul setinggi 60 cm dalam polibag.",
           ("1 batang", 65_000)),
    _offer("Benih Padi Lokal Unggul", "bibit-pupuk", KG, 5000,
           "Benih padi lokal hasil seleksi kelompok tani, daya tumbuh di atas 85%.",
           ("5 kg", 70_000)),
]

# What each demo cooperative sells, by the stem of its name (see market.demo.NAME_STEMS).
OFFERS_BY_STEM: dict[str, list[Offer]] = {
    "Tani Makmur": PERTANIAN + JASA_TANI[2:],
    "Kopi Borneo": KOPI + GULA_MADU[:2],
    "Lada Sejahtera": LADA + KAKAO,
    "Karet Bersatu": KARET,
    "Sawit Rakyat": SAWIT,
    "Gula Aren Lestari": GULA_MADU + OLAHAN[:1],
    "Rotan Mandiri": KERAJINAN,
    "Pasar Tani": PERTANIAN + OLAHAN[:3],
    "Niaga Bersama": OLAHAN + KOPI[:2] + GULA_MADU[:2],
    "Hasil Bumi": LADA[:3] + KAKAO + KOPI[:2],
    "Nelayan Jaya": IKAN,
    "Karyawan Sejahtera": OLAHAN + PERTANIAN[:3],
    "Warga Mandiri": OLAHAN + PERTANIAN[:3] + SAWIT[:1],
    "Guru Bengkayang": OLAHAN + KERAJINAN[4:],
    "Angkutan Perbatasan": ANGKUTAN,
    "Wisata Riam": WISATA + KERAJINAN[:2],
    "Jasa Tani": JASA_TANI + KARET[2:],
    "Credit Union Pancur Kasih": KERAJINAN[3:] + OLAHAN[:3] + GULA_MADU[3:],
    "Simpan Pinjam Harapan": OLAHAN + GULA_MADU[:2],
    "Usaha Bersama": OLAHAN[:3] + KERAJINAN[:3] + IKAN[:2],
}
OFFERS_BY_KIND: dict[str, list[Offer]] = {
    Cooperative.Kind.PRODUSEN: PERTANIAN + KOPI[:2],
    Cooperative.Kind.PEMASARAN: OLAHAN + LADA[:2],
    Cooperative.Kind.KONSUMEN: OLAHAN + PERTANIAN[:3],
    Cooperative.Kind.JASA: ANGKUTAN,
    Cooperative.Kind.SIMPAN_PINJAM: OLAHAN + KERAJINAN[:3],
}
# Tile colours by the top-level category of the product.
COLOURS = {
    "kopi-teh": (111, 78, 55), "gula-aren-madu": (196, 128, 32), "makanan-olahan": (214, 96, 48),
    "lada": (70, 70, 70), "karet": (94, 110, 60), "kelapa-sawit": (200, 90, 30),
    "kakao": (120, 60, 40), "anyaman": (160, 120, 60), "tenun-kain": (150, 40, 70),
    "kerajinan": (40, 110, 140), "ikan-segar": (30, 110, 170), "ikan-olahan": (60, 130, 150),
    "beras": (150, 150, 110), "sayur-buah": (60, 140, 60), "bibit-pupuk": (90, 120, 40),
    "jasa-angkutan": (70, 90, 140), "jasa-wisata": (20, 140, 130),
}


@dataclass(frozen=True)
class CatalogSeedResult:
    products_total: int
    products_created: int
    cooperatives_seeded: int


def seed_catalog(*, image_side: int = IMAGE_SIDE,
                 progress: Callable[[str], None] | None = None) -> CatalogSeedResult:
    """Give each trading demo cooperative without products a handful of them, with photos.

    `image_side` is the photos' width and height in pixels (tests use small ones);
    `progress` is told how far it got every PROGRESS_EVERY cooperatives.
    """
    cooperatives = active_demo_cooperatives().annotate(product_count=Count("products"))
    unstocked = [cooperative for cooperative in cooperatives.select_related("region")
                 if not cooperative.product_count]
    created = 0
    for number, cooperative in enumerate(unstocked, start=1):
        created += _seed_cooperative(cooperative, image_side)
        if progress is not None and (number % PROGRESS_EVERY == 0 or number == len(unstocked)):
            progress(f"  {number}/{len(unstocked)} cooperatives stocked, {created} products")
    total = Product.objects.filter(cooperative__in=active_demo_cooperatives()).count()
    return CatalogSeedResult(
        products_total=total, products_created=created, cooperatives_seeded=len(unstocked)
    )


def offers_for(cooperative: Cooperative) -> list[Offer]:
    for stems in NAME_STEMS.values():
        for stem in stems:
            if stem in cooperative.name:
                return OFFERS_BY_STEM[stem]
    return OFFERS_BY_KIND[cooperative.kind]


def _seed_cooperative(cooperative: Cooperative, image_side: int) -> int:
    # Thumbnails are made after this commits (in-process without Redis, by a worker with it).
    rng = random.Random(f"catalog-{cooperative.nik}")
    owner = _owner(cooperative)
    offers = offers_for(cooperative)
    chosen = rng.sample(offers, rng.randint(min(3, len(offers)), min(8, len(offers))))
    with transaction.atomic():
        for number, offer in enumerate(chosen, start=1):
            _seed_product(cooperative, owner, offer, number, rng, image_side)
    return len(chosen)


def _seed_product(
    cooperative, owner, offer: Offer, number: int, rng: random.Random, image_side: int
) -> None:
    place = cooperative.region.name
    name = offer.name.format(place=place)
    factor = rng.uniform(0.85, 1.2)
    is_service = offer.category.startswith("jasa") or offer.weight_grams == 0
    product = services.product_create(
        actor=owner,
        cooperative=cooperative,
        name=name,
        category=offer.category,
        description=(
            f"{offer.description} Dijual oleh {cooperative.name}, Kecamatan {place}, "
            "Kabupaten Bengkayang."
        ),
        unit=offer.unit,
        weight_grams=offer.weight_grams,
        status=Product.Status.DRAFT if rng.random() < DRAFT_SHARE else Product.Status.ACTIVE,
        variants=[
            {
                "sku": f"{_initials(name, 3)}-{number:02d}-{index}",
                "name": variant_name,
                "price": _rupiah(price * factor),
                "stock": _stock(rng, is_service),
            }
            for index, (variant_name, price) in enumerate(offer.variants, start=1)
        ],
    )
    services.product_image_add(actor=owner, product=product, upload=_photo(product, image_side))


def _owner(cooperative: Cooperative) -> User:
    membership = (
        Membership.objects.select_related("user")
        .filter(cooperative=cooperative, role=Membership.Role.OWNER)
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise LookupError(f"{cooperative} has no owner to add its products.")
    return membership.user


def _rupiah(amount: float) -> int:
    """Round to the way shops price: to Rp500 below Rp100.000, else to Rp1.000."""
    step = 500 if amount < 100_000 else 1_000
    return max(step, round(amount / step) * step)


def _stock(rng: random.Random, is_service: bool) -> int:
    if rng.random() < OUT_OF_STOCK_SHARE:
        return 0
    return rng.randint(5, 30) if is_service else rng.randint(1, 400)


def _initials(name: str, letters: int = 2) -> str:
    words = [word for word in name.replace("-", " ").split() if word[0].isalnum()]
    return "".join(word[0] for word in words[:letters]).upper()


def _photo(product: Product, side: int) -> SimpleUploadedFile:
    """A coloured JPEG tile with the product's initials, standing in for a real photo."""
    colour = COLOURS.get(product.category.slug, (90, 90, 90))
    image = Image.new("RGB", (side, side), colour)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, channel + 60) for channel in colour)
    margin = side // 8
    draw.ellipse((margin, margin, side - margin, side - margin), fill=light)
    font = ImageFont.load_default(size=max(1, side // 3))
    draw.text((side / 2, side / 2), _initials(product.name), fill="white", font=font,
              anchor="mm")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return SimpleUploadedFile(f"{product.slug}.jpg", out.getvalue(), content_type="image/jpeg")
