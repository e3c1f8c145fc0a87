"""Reading label PDFs as a person and a scanner would, and the returns they are made for.

The command-line tools come from poppler-utils and zbar-tools (scripts/install.sh);
a missing tool fails the test, it never skips it.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

from flask_returns import Address, Order
from flask_returns.models import ReturnRequest

from .factories import make_return
from .hosts import make_order

RETURN_ADDRESS = {
    "name": "Example Shop Returns",
    "line1": "Lagerstraße 7",
    "line2": "Gate 3",
    "postal_code": "10317",
    "city": "Berlin",
    "country": "DE",
}
PUBLIC_URL = "https://shop.example"
POLISH = Address(
    name="Zażółć Gęślą Jaźń",
    line1="ul. Żółć 12/4",
    postal_code="90-001",
    city="Łódź",
    country="PL",
)
HUNGARIAN = Address(
    name="Árvíztűrő Tükörfúrógép",
    line1="Árvíztűrő tükörfúrógép utca 5.",
    postal_code="9021",
    city="Győr",
    country="HU",
)
RUSSIAN = Address(
    name="Иван Петров",
    line1="ул. Тверская, д. 7, кв. 12",
    postal_code="125009",
    city="Москва",
    country="RU",
)
ARABIC = Address(
    name="محمد أحمد",
    line1="شارع التحرير ١٢",
    postal_code="11511",
    city="القاهرة",
    country="EG",
)

JAPANESE = Address(
    name="田中 結衣",
    line1="渋谷区渋谷 1-2-3",
    postal_code="150-0002",
    city="東京都",
    country="JP",
)

LABEL_SETTINGS = {
    "RETURNS_RETURN_ADDRESS": RETURN_ADDRESS,
    "RETURNS_PUBLIC_URL": PUBLIC_URL,
    "RETURNS_CARRIER_NAME": "Demo Parcel",
    "RETURNS_CARRIER_ACCOUNT": "DP-5012-3456",
    "RETURNS_CARRIER_SERVICE": "Returns Prepaid",
    "RETURNS_SHOP_CONTACT": {"email": "returns@shop.example", "phone": "+49 30 1234 5678"},
}


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise AssertionError(
            f"{name} is missing: run scripts/install.sh (poppler-utils, zbar-tools)"
        )
    return path


def _run(*args: str, data: bytes | None = None) -> str:
    done = subprocess.run(args, input=data, capture_output=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode()


def pdf_text(pdf: bytes, page: int | None = None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return _run(tool("pdftotext"), *pages, "-", "-", data=pdf)


def squeeze(text: str) -> str:
    """Text without any whitespace: pdftotext breaks lines wherever the layout did."""
    return re.sub(r"\s+", "", text)


def page_sizes(pdf: bytes, tmp: Path) -> list[tuple[float, float]]:
    path = tmp / "sizes.pdf"
    path.write_bytes(pdf)
    out = _run(tool("pdfinfo"), "-f", "1", "-l", "99", str(path))
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)
    ]


def page_images(pdf: bytes, folder: Path, stem: str, dpi: int = 300) -> list[Path]:
    """Every page as PNG in ``folder`` (the artifacts folder, for a person to look at)."""
    source = folder / f"{stem}.pdf"
    source.write_bytes(pdf)
    for old in folder.glob(f"{stem}-*.png"):
        old.unlink()
    _run(tool("pdftoppm"), "-r", str(dpi), "-png", str(source), str(folder / stem))
    return sorted(folder.glob(f"{stem}-*.png"))


def scan(image: Path) -> list[str]:
    """What zbarimg reads from a page image: ``["CODE-128:...", "QR-Code:..."]``."""
    done = subprocess.run(
        [tool("zbarimg"), "-q", str(image)], capture_output=True, check=False, timeout=60
    )
    # zbarimg exits 4 when it finds no symbol at all.
    assert done.returncode in (0, 4), done.stderr.decode(errors="replace")
    return [line for line in done.stdout.decode().splitlines() if line]


def embedded_files(pdf: bytes, tmp: Path) -> str:
    path = tmp / "attachments.pdf"
    path.write_bytes(pdf)
    return _run(tool("pdfdetach"), "-list", str(path))


def order_with(address: Address, reference: str = "9001", **changes: object) -> Order:
    return dataclasses.replace(
        make_order(reference), shipping_address=address, customer_name=address.name, **changes
    )


def authorized_return(order: Order, *, locale: str = "pl") -> ReturnRequest:
    """A return of the order's first two lines, authorized in full, committed."""
    lines = {"L1": (2, "size_fit"), "L2": (1, "not_as_described")}
    return make_return(order, lines, status="authorized", locale=locale, commit=True)
