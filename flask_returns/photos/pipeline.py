"""Customer photos: checked by content, de-bombed, turned upright, stripped, shrunk.

Nothing about the upload is trusted: not the name, not the Content-Type. Pillow
decides what the bytes are; only JPEG, PNG, WebP and HEIC/HEIF are accepted, and
every photo is re-encoded as a fresh JPEG, which drops EXIF (GPS included), ICC
and any payload riding along in the original file.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageOps, UnidentifiedImageError

from ..storage import new_key

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..storage import Storage

try:  # iPhones send HEIC; pillow-heif teaches Pillow to read it.
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a dependency
    pass

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
THUMBNAIL_SIDE = 320
JPEG_QUALITY = 85
# A JPEG may be decoded down to this share of RETURNS_PHOTO_MAX_SIDE (never below).
DRAFT_FLOOR = 0.75


class PhotoRejected(ValueError):
    """The file is not a photo we accept; ``code`` says why (for a translated message)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class ProcessedPhoto:
    image: bytes
    thumbnail: bytes
    width: int
    height: int


@dataclass(frozen=True)
class StoredPhoto:
    """A checked photo and its thumbnail in storage, not yet part of a return."""

    key: str
    thumbnail_key: str
    width: int
    height: int
    byte_size: int


def store_photo(storage: Storage, data: bytes, settings: Mapping[str, Any]) -> StoredPhoto:
    """Check ``data`` (raises :class:`PhotoRejected`) and store it under names of ours."""
    photo = process_photo(
        data,
        max_bytes=settings["RETURNS_MAX_PHOTO_BYTES"],
        max_side=settings["RETURNS_PHOTO_MAX_SIDE"],
        max_pixels=settings["RETURNS_PHOTO_MAX_PIXELS"],
    )
    key = new_key("photos", "jpg")
    thumbnail_key = key.replace(".jpg", "-thumb.jpg")
    storage.save(key, photo.image)
    storage.save(thumbnail_key, photo.thumbnail)
    return StoredPhoto(key, thumbnail_key, photo.width, photo.height, len(photo.image))


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # An empty comment: Pillow would otherwise copy the upload's JPEG comment along.
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=False, progressive=False, comment=b"")
    return out.getvalue()


def process_photo(data: bytes, *, max_bytes: int, max_side: int, max_pixels: int) -> ProcessedPhoto:
    """Turn an upload into a stored-safe JPEG and thumbnail, or raise :class:`PhotoRejected`."""
    if not data:
        raise PhotoRejected("empty")
    if len(data) > max_bytes:
        raise PhotoRejected("too_large")
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on huge images; our own cap below is stricter.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in ACCEPTED_FORMATS:
                raise PhotoRejected("not_a_photo")
            width, height = image.size
            if width * height > max_pixels or width < 1 or height < 1:
                raise PhotoRejected("too_many_pixels")
            if image.format == "JPEG" and max(width, height) > max_side:
                # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: the decode is most of
                # the pipeline's cost. Accepting a long side down to 3/4 of the cap
                # lets a 12 MP phone photo (4032 px) decode at half size (2016 px).
                factor = DRAFT_FLOOR * max_side / max(width, height)
                image.draft("RGB", (int(width * factor), int(height * factor)))
            image.load()
            # In place, and the thumbnail below too: a 12 MP photo decodes to 12 MB
            # or more, and each full-size copy costs a fresh allocation and a memcpy.
            ImageOps.exif_transpose(image, in_place=True)
            if image.mode not in ("RGB", "L"):
                image = _flatten(image)
            image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
            full = _encode(image)
            width, height = image.size
            image.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.BILINEAR)
            return ProcessedPhoto(full, _encode(image), width, height)
    except PhotoRejected:
        raise
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoRejected("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise PhotoRejected("not_a_photo") from None


def _flatten(image: Image.Image) -> Image.Image:
    """Transparent PNG/WebP onto white; palettes and CMYK to RGB."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")
