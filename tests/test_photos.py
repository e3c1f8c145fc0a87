"""The photo pipeline on its own: formats, bombs, orientation, metadata."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from flask_returns.photos import PhotoRejected, process_photo

from .photo_files import PHP_AS_JPEG, encoded, jpeg, png_claiming

LIMITS = {"max_bytes": 10 * 1024 * 1024, "max_side": 2048, "max_pixels": 60_000_000}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF"])
def test_phone_formats_come_out_as_jpeg(fmt):
    result = process_photo(encoded(fmt), **LIMITS)
    for data in (result.image, result.thumbnail):
        assert Image.open(io.BytesIO(data)).format == "JPEG"
    assert (result.width, result.height) == (640, 480)


def test_transparent_png_is_flattened():
    result = process_photo(encoded("PNG", mode="RGBA"), **LIMITS)
    assert Image.open(io.BytesIO(result.image)).mode == "RGB"


def test_gps_and_all_exif_are_removed():
    original = jpeg(gps=True)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # it had GPS
    result = process_photo(original, **LIMITS)
    for data in (result.image, result.thumbnail):
        stored = Image.open(io.BytesIO(data))
        assert dict(stored.getexif()) == {}
        assert b"PhoneMaker" not in data and b"Exif" not in data


def test_a_jpeg_comment_does_not_ride_along():
    source = Image.open(io.BytesIO(jpeg()))
    out = io.BytesIO()
    source.save(out, "JPEG", comment=b"secret payload: home address")
    assert b"secret payload" in out.getvalue()
    result = process_photo(out.getvalue(), **LIMITS)
    for data in (result.image, result.thumbnail):
        assert b"secret payload" not in data
        assert "comment" not in Image.open(io.BytesIO(data)).info


def test_orientation_is_applied():
    # Orientation 6: the camera was turned; the stored photo must stand upright.
    result = process_photo(jpeg(1200, 900, orientation=6), **LIMITS)
    assert (result.width, result.height) == (900, 1200)
    stored = Image.open(io.BytesIO(result.image)).convert("RGB")
    assert stored.getpixel((result.width - 5, result.height // 2))[1] > 200  # the white stripe


@pytest.mark.parametrize(("fmt", "size"), [("JPEG", (4032, 3024)), ("PNG", (5000, 2500))])
def test_long_side_is_capped_and_a_thumbnail_made(fmt, size):
    data = jpeg(*size) if fmt == "JPEG" else encoded("PNG", size=size)
    result = process_photo(data, **LIMITS)
    # JPEGs may decode at a reduced scale: never above the cap, never below 3/4 of it.
    assert 0.75 * 2048 <= max(result.width, result.height) <= 2048
    assert abs(result.width / result.height - size[0] / size[1]) < 0.01
    assert max(Image.open(io.BytesIO(result.thumbnail)).size) == 320


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (PHP_AS_JPEG, "not_a_photo"),
        (b"GIF89a" + b"\x00" * 50, "not_a_photo"),
        (png_claiming(100_000, 100_000), "too_many_pixels"),
        (encoded("PNG", size=(8000, 8000), mode="1"), "too_many_pixels"),
        (jpeg()[:200], "not_a_photo"),
    ],
    ids=["zero-bytes", "php-named-jpg", "gif", "bomb-header", "bomb-64mp", "truncated"],
)
def test_hostile_files_are_refused(data, code):
    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, **LIMITS)
    assert caught.value.code == code


def test_oversize_file_is_refused_before_decoding():
    with pytest.raises(PhotoRejected) as caught:
        process_photo(jpeg(), max_bytes=1024, max_side=2048, max_pixels=60_000_000)
    assert caught.value.code == "too_large"
