"""Steps of the buyer's flows that several browser tests take, and the market they take them in.

Each step drives the pages as a buyer does (labels and roles, in Bahasa Indonesia, the
default language) and waits with Playwright's expect(), never with a sleep.
"""

import io
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from catalog import services as catalog_services
from catalog.models import Product
from market.models import Cooperative, User
from orders.models import ShippingOption
from tests.factories import (
    CooperativeFactory,
    MembershipFactory,
    ProductFactory,
    ShippingOptionFactory,
    UserFactory,
    category,
    district,
)

BUYER_ADDRESS = {
    "Telepon": "081255501234",
    "Alamat": "Jl. Raya Sebalo No. 12",
    "Kota/kabupaten": "Bengkayang",
    "Kode pos": "79211",
}


@dataclass
class TwoCooperatives:
    """A market of two cooperatives, each with its shipping and a member to fulfil orders."""

    rattan: Product  # "Anyaman Rotan Tas Jinjing", of the craft cooperative
    coffee: Product  # "Kopi Bubuk Robusta Ledo", of the coffee cooperative
    pepper: Product  # of the coffee cooperative too: what a search for coffee must not show
    craft_staff: User
    coffee_staff: User


def market_of_two_cooperatives() -> TwoCooperatives:
    """A craft and a coffee cooperative of Bengkayang; the craft one offers pickup (first,
    so the cart's default) or its courier."""
    crafts = CooperativeFactory(name="Koperasi Pengrajin Jagoi Babang", slug="pengrajin-jagoi")
    coffee = CooperativeFactory(name="Koperasi Kopi Sanggau Ledo", slug="kopi-sanggau-ledo")
    ShippingOptionFactory(
        cooperative=crafts, name="Ambil di koperasi", kind=ShippingOption.Kind.PICKUP, fee=0
    )
    ShippingOptionFactory(cooperative=crafts, name="Kurir Jagoi", fee=10_000)
    ShippingOptionFactory(
        cooperative=coffee, name="JNE Reguler", kind=ShippingOption.Kind.COURIER, fee=18_000
    )
    return TwoCooperatives(
        rattan=ProductFactory(
            cooperative=crafts, name="Anyaman Rotan Tas Jinjing", category=category("anyaman"),
            unit=Product.Unit.PCS,
            description="Tas jinjing dianyam tangan dari rotan Jagoi Babang.",
            variants=[{"name": "Ukuran sedang", "price": 150_000, "stock": 5}],
        ),
        coffee=ProductFactory(
            cooperative=coffee, name="Kopi Bubuk Robusta Ledo",
            description="Robusta Sanggau Ledo, disangrai sedang dan digiling.",
            variants=[{"name": "250 g", "price": 35_000, "stock": 20}],
        ),
        pepper=ProductFactory(
            cooperative=coffee, name="Lada Putih Seluas", category=category("lada"),
            variants=[{"name": "100 g", "price": 28_000, "stock": 12}],
        ),
        craft_staff=MembershipFactory(cooperative=crafts).user,
        coffee_staff=MembershipFactory(cooperative=coffee).user,
    )


def finance_staff() -> User:
    """Platform finance, who confirm bank transfers (payments.manage_finance)."""
    user = UserFactory(email="keuangan@pasar.example")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="payments", codename="manage_finance")
    )
    return User.objects.get(pk=user.pk)  # a fresh instance: no stale permission cache


def proof_png(folder: Path) -> Path:
    """A small PNG, standing in for the photo of a transfer receipt."""
    path = folder / "bukti-transfer.png"
    Image.new("RGB", (120, 80), (40, 120, 200)).save(path, format="PNG")
    return path


# ---------------------------------------------------------------- the account


def register_through_pages(page, *, name: str, email: str, password: str) -> None:
    """Sign up on the register page (opened if it is not); the buyer is logged in at once."""
    if urlsplit(page.url).path != "/account/register/":
        page.goto("/account/register/")
    page.get_by_label("Nama").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Daftar").click()
    expect(page.get_by_text("Selamat datang! Periksa e-mail Anda")).to_be_visible()


def mailed_link(to: str) -> str:
    """The path and query of the link of this site in the last mail to `to`."""
    [message] = [m for m in mail.outbox if m.to == [to]][-1:]
    link = re.search(rf"{re.escape(settings.SITE_URL)}/\S+", message.body).group(0)
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def verify_email_through_mail(page, email: str) -> None:
    """Open the mailed link and press the page's button (the link alone verifies nothing)."""
    page.goto(mailed_link(email))
    page.get_by_role("button", name="Verifikasi alamat e-mail saya").click()
    verified = page.get_by_text("Alamat e-mail Anda sudah terverifikasi. Terima kasih!")
    expect(verified).to_be_visible()


def log_in_through_pages(page, *, email: str, password: str) -> None:
    """Log in on the log-in page (opened if it is not); it goes back to its `next`."""
    if urlsplit(page.url).path != "/account/login/":
        page.goto("/account/login/")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Kata sandi").fill(password)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_role("link", name="Akun")).to_be_visible()


# ---------------------------------------------------------------- buying


def search_from_header(page, words: str) -> None:
    """Type into the header's search box and submit it."""
    box = page.get_by_role("banner").get_by_label("Cari produk")
    box.fill(words)
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hasil untuk “{words}”")


def cart_count(page):
    """The header's count of the cart's lines."""
    return page.locator("#cart-count")


def add_to_cart(page, *, quantity: int = 1) -> None:
    """On a product page: the variant shown, `quantity` of it, into the cart (htmx, no reload)."""
    before = cart_count(page).inner_text()
    page.evaluate("() => { window.stillTheSamePage = true; }")
    page.get_by_label("Jumlah").fill(str(quantity))
    page.get_by_role("button", name="Tambah ke keranjang").click()
    expect(page.get_by_role("status").filter(has_text="Ditambahkan ke keranjang")).to_be_visible()
    expect(cart_count(page)).to_have_text(str(int(before or 0) + 1))
    assert page.evaluate("() => window.stillTheSamePage === true"), "the page was reloaded"


def fill_checkout_address(page) -> None:
    """The address fields of the checkout (the name is the account's already)."""
    for label, value in BUYER_ADDRESS.items():
        page.get_by_label(label).fill(value)


def place_order(page, *, method: str) -> None:
    """On the checkout page: choose the payment method by its label and place the order."""
    page.get_by_label(method).check()
    page.get_by_role("button", name="Buat pesanan").click()
    expect(page.get_by_text("Pesanan Anda sudah dibuat.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pembayaran")


# ---------------------------------------------------------------- without JavaScript


def add_to_cart_without_javascript(page, *, variant: str, quantity: int = 1) -> None:
    """On a product page: `quantity` of `variant` sent by a plain form post; back on the page."""
    product_page = page.url
    page.get_by_label(variant).check()
    page.get_by_label("Jumlah", exact=True).fill(str(quantity))
    page.get_by_role("button", name="Tambah ke keranjang").click()
    expect(page.get_by_role("status").filter(has_text="Ditambahkan ke keranjang.")).to_be_visible()
    assert page.url == product_page


# ---------------------------------------------------------------- a market with photos


def _coffee(draw, u):
    draw.rounded_rectangle((3.5 * u, 2 * u, 8.5 * u, 10 * u), radius=u / 2, fill="#a87443")
    draw.rectangle((3.5 * u, 2 * u, 8.5 * u, 3 * u), fill="#8c5c31")
    draw.rounded_rectangle((4.3 * u, 5 * u, 7.7 * u, 7.6 * u), radius=u / 4, fill="#f6ecd9")
    draw.ellipse((5.3 * u, 5.5 * u, 6.7 * u, 7.1 * u), fill="#5b3520")
    for x, y in [(1.2, 8.8), (2.4, 10), (9.4, 9.4), (10.2, 7.6), (1.4, 3.6), (9.8, 2.6)]:
        bean = (x * u, y * u, (x + 1.3) * u, (y + 0.9) * u)
        draw.ellipse(bean, fill="#4a2a17")
        draw.arc(bean, 200, 340, fill="#8a5a3a", width=max(1, int(u / 10)))


def _pepper(draw, u):
    for row in range(5):
        for col in range(9 - row):
            x, y = 2.6 * u + col * 0.8 * u + row * 0.4 * u, 5.6 * u - row * 0.45 * u
            draw.ellipse((x, y, x + 0.7 * u, y + 0.7 * u), fill="#f4efe1", outline="#c9bd9c")
    draw.pieslice((1.5 * u, 2 * u, 10.5 * u, 10.5 * u), 0, 180, fill="#8b5a2b")


def _honey(draw, u):
    draw.rounded_rectangle((3.5 * u, 3.5 * u, 8.5 * u, 10.2 * u), radius=u, fill="#d98e04")
    draw.rounded_rectangle((3.8 * u, 2.2 * u, 8.2 * u, 3.6 * u), radius=u / 3, fill="#6b4423")
    draw.rounded_rectangle((4.2 * u, 5.6 * u, 7.8 * u, 8.2 * u), radius=u / 4, fill="#fff6dc")
    draw.regular_polygon((6 * u, 6.9 * u, 0.8 * u), 6, fill="#e8a317")


def _rattan(draw, u):
    draw.arc((3.2 * u, 1.2 * u, 8.8 * u, 7.4 * u), 180, 360, fill="#7a4e22", width=int(u / 2))
    draw.polygon([(2 * u, 4.3 * u), (10 * u, 4.3 * u), (9 * u, 10.5 * u), (3 * u, 10.5 * u)],
                 fill="#c8955a")
    for row in range(6):
        for col in range(row % 2, 8, 2):
            x, y = 2.3 * u + col * 0.92 * u + row * 0.08 * u, 4.5 * u + row * u
            draw.rectangle((x, y, x + 0.8 * u, y + 0.75 * u), fill="#9c6a35")
    draw.rectangle((2 * u, 4.1 * u, 10 * u, 4.6 * u), fill="#7a4e22")


def _mat(draw, u):
    draw.rectangle((1.5 * u, 4 * u, 10.5 * u, 10 * u), fill="#d9c27a")
    for row in range(12):
        for col in range(18):
            if (row // 2 + col // 2) % 2:
                x, y = 1.5 * u + col * u / 2, 4 * u + row * u / 2
                draw.rectangle((x, y, x + u / 2, y + u / 2), fill="#7f9a4a")
    draw.ellipse((1 * u, 1.6 * u, 11 * u, 4.6 * u), fill="#b89d55")
    draw.ellipse((1.6 * u, 2 * u, 10.4 * u, 4.2 * u), fill="#8f7a3e")


def _cloth(draw, u):
    draw.rectangle((1.5 * u, 2 * u, 10.5 * u, 10 * u), fill="#7d1f35")
    for row in range(4):
        for col in range(5):
            centre = (2.4 * u + col * 1.8 * u, 3.5 * u + row * 2 * u)
            colour = "#f2c14e" if (row + col) % 2 else "#f6ead6"
            draw.regular_polygon((*centre, 0.8 * u), 4, rotation=45, fill=colour)
            draw.regular_polygon((*centre, 0.35 * u), 4, rotation=45, fill="#1d1d1d")


def _chocolate(draw, u):
    draw.rounded_rectangle((2.5 * u, 2 * u, 9.5 * u, 10 * u), radius=u / 3, fill="#4b2a1a")
    for row in range(4):
        for col in range(3):
            x, y = 3 * u + col * 2.2 * u, 2.5 * u + row * 1.3 * u
            draw.rounded_rectangle((x, y, x + 1.9 * u, y + 1.05 * u), radius=u / 6,
                                   fill="#5f3622")
    draw.rectangle((2.3 * u, 7.6 * u, 9.7 * u, 10.2 * u), fill="#c9342f")
    draw.rectangle((2.3 * u, 8.4 * u, 9.7 * u, 8.8 * u), fill="#f2c14e")


def _rice(draw, u):
    draw.rounded_rectangle((3 * u, 2.5 * u, 9 * u, 10 * u), radius=1.2 * u, fill="#efe4c8")
    draw.rectangle((3.8 * u, 5.2 * u, 8.2 * u, 7.4 * u), fill="#3e7b4f")
    draw.ellipse((5.4 * u, 5.6 * u, 6.6 * u, 7 * u), fill="#f6d35b")
    for x, y in [(1.5, 10.4), (2.3, 10.9), (9.6, 10.3), (10.3, 10.9), (1.1, 11), (9.9, 9.8)]:
        draw.ellipse((x * u, y * u, (x + 0.5) * u, (y + 0.25) * u), fill="#fffaf0")


PHOTO_SIDE = 480
# motif: (background, a drawing on a 12 x 12 grid of `u` pixels)
PHOTO_MOTIFS = {
    "coffee": ("#f3e3c7", _coffee), "pepper": ("#dfe8d5", _pepper),
    "honey": ("#fbeab8", _honey), "rattan": ("#e9c9a0", _rattan), "mat": ("#cfe0d8", _mat),
    "cloth": ("#f1dccf", _cloth), "chocolate": ("#f2d9c4", _chocolate),
    "rice": ("#d7e7c3", _rice),
}


def product_photo(motif: str, *, side: int = PHOTO_SIDE) -> SimpleUploadedFile:
    """A JPEG drawn in flat colours, standing in for a product photo: see PHOTO_MOTIFS."""
    background, draw_motif = PHOTO_MOTIFS[motif]
    image = Image.new("RGB", (side, side), background)
    draw_motif(ImageDraw.Draw(image), side / 12)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=90)
    return SimpleUploadedFile(f"{motif}.jpg", out.getvalue(), content_type="image/jpeg")


def cooperative_with_shipping(*, name: str, district_code: str,
                              shipping: list[tuple[str, int]]) -> Cooperative:
    """A verified cooperative of a Bengkayang kecamatan with an owner and these (name, fee)."""
    cooperative = CooperativeFactory(name=name, region=district(district_code))
    MembershipFactory(cooperative=cooperative, role="owner")
    for option_name, fee in shipping:
        ShippingOptionFactory(cooperative=cooperative, name=option_name, fee=fee)
    return cooperative


def product_on_sale(cooperative: Cooperative, *, name: str, category: str,
                    variants: list[tuple[str, int]], photo: str = "", description: str = "",
                    stock: int = 40) -> Product:
    """A product its cooperative's owner puts on sale through the catalog services (the
    photo's thumbnails are made after the commit); `variants` are (name, price)."""
    owner = cooperative.memberships.get(role="owner").user
    product = catalog_services.product_create(
        actor=owner, cooperative=cooperative, name=name, category=category,
        description=description, weight_grams=500, status=Product.Status.ACTIVE,
        variants=[{"sku": f"{cooperative.pk}-{name[:40]}-{number}", "name": variant,
                   "price": price, "stock": stock}
                  for number, (variant, price) in enumerate(variants, start=1)],
    )
    if photo:
        catalog_services.product_image_add(actor=owner, product=product,
                                           upload=product_photo(photo))
    return product


@dataclass
class WovenMarket:
    """Woven things of two cooperatives (long names among them), and a coffee that is not."""

    bag: Product  # Jagoi Babang: two sizes
    mat: Product  # Jagoi Babang
    basket: Product  # Seluas
    coffee: Product  # Seluas: what a search for weaving must not show


def woven_market() -> WovenMarket:
    """Jagoi Babang's rattan crafters (courier or pick-up) and Seluas's weavers (courier)."""
    jagoi = cooperative_with_shipping(
        name="Koperasi Pengrajin Rotan Jagoi Babang", district_code="61.07.07",
        shipping=[("Kurir Jagoi", 12_000), ("Ambil di koperasi", 0)],
    )
    seluas = cooperative_with_shipping(
        name="Koperasi Wanita Anyaman Seluas", district_code="61.07.05",
        shipping=[("JNE Reguler", 18_000)],
    )
    return WovenMarket(
        bag=product_on_sale(jagoi, name="Tas Anyaman Rotan Dayak", category="anyaman",
                            variants=[("Sedang", 175_000), ("Besar", 275_000)], photo="rattan",
                            description="Dianyam tangan oleh pengrajin Jagoi Babang."),
        mat=product_on_sale(
            jagoi, name="Tikar Anyaman Pandan Berduri Motif Dayak Bakati Ukuran Keluarga 2 x 3 m",
            category="anyaman", variants=[("2 x 3 m", 260_000)], photo="mat",
        ),
        basket=product_on_sale(
            seluas, name="Bakul Anyaman Bambu Petung Serbaguna Buatan Kelompok Wanita Seluas",
            category="anyaman", variants=[("Diameter 30 cm", 45_000)], photo="rattan",
        ),
        coffee=product_on_sale(seluas, name="Kopi Robusta Seluas", category="kopi-teh",
                               variants=[("250 g", 38_000)], photo="coffee"),
    )
