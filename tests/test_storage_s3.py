"""Photos and label PDFs in an S3 bucket, over HTTP against moto's S3 server.

The backend on its own (private objects, keys, prefixes, errors), the start-up
checks, ``flask returns photos prune``, and the customer's whole flow on a shop
whose files live in the bucket, served by the app or by presigned links.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from example_shop.local_stripe import free_port
from flask_returns import ConfigurationError, Returns, StorageError
from flask_returns.models import LabelDocument
from flask_returns.storage import LocalStorage, S3Storage
from flask_returns.testing import clock_at, open_return, sample_photo

from .admin_helpers import admin_client, authorize_all, load
from .admin_helpers import open_return as open_return_by_form
from .conftest import ROOT
from .demo import SHIRT, SNEAKERS
from .harness.s3 import ACCESS_KEY_ID, fetch
from .hosts import MemoryOrders, make_order
from .label_helpers import pdf_text, squeeze

JPEG = b"\xff\xd8\xff\xe0 not much of a photo"
PDF = b"%PDF-1.7 not much of a label"
PHOTO = "photos/" + "a" * 32 + ".jpg"


def _requests_to(storage: S3Storage) -> list[str]:
    """Every request the storage's client sends from now on, as 'METHOD url'."""
    sent: list[str] = []
    storage.client.meta.events.register(
        "before-send.s3", lambda request, **_: sent.append(f"{request.method} {request.url}")
    )
    return sent


# --------------------------------------------------------------------------- the backend


def test_what_is_saved_loads_back_until_deleted(s3_bucket):
    storage = s3_bucket.storage()
    label = "labels/" + "b" * 32 + ".pdf"
    storage.save(PHOTO, JPEG)
    storage.save(label, PDF)

    assert storage.load(PHOTO) == JPEG and storage.load(label) == PDF
    assert storage.exists(PHOTO) and storage.exists(label)
    assert s3_bucket.keys() == [label, PHOTO]
    assert s3_bucket.head(PHOTO)["ContentType"] == "image/jpeg"
    assert s3_bucket.head(label)["ContentType"] == "application/pdf"

    storage.delete(PHOTO)
    assert not storage.exists(PHOTO)
    with pytest.raises(FileNotFoundError, match=re.escape(f"s3://{s3_bucket.name}/{PHOTO}")):
        storage.load(PHOTO)
    storage.delete(PHOTO)  # already gone: no error, as from a folder
    assert s3_bucket.keys() == [label]


def test_keys_lists_our_files_in_the_folder_written_before_the_cutoff(s3_bucket):
    storage = s3_bucket.storage("shop")
    old = "photos/" + "1" * 32 + ".jpg"
    storage.save(old, JPEG)
    storage.save("labels/" + "2" * 32 + ".pdf", PDF)  # another folder
    s3_bucket.client.put_object(Bucket=s3_bucket.name, Key="shop/photos/notes.txt", Body=b"x")
    cutoff = s3_bucket.head(f"shop/{old}")["LastModified"] + timedelta(seconds=1)
    time.sleep(1.1)  # S3 keeps whole seconds: the next file is written after the cutoff
    new = "photos/" + "3" * 32 + ".jpg"
    storage.save(new, JPEG)

    assert list(storage.keys("photos", cutoff)) == [old]
    assert sorted(storage.keys("photos", datetime.now(UTC) + timedelta(minutes=1))) == [old, new]
    assert list(storage.keys("photos", cutoff - timedelta(hours=1))) == []
    assert list(storage.keys("receipts", datetime.now(UTC) + timedelta(minutes=1))) == []


def test_two_prefixes_in_one_bucket_never_see_each_others_files(s3_bucket):
    first, second = s3_bucket.storage("shop-a/returns"), s3_bucket.storage("/shop-b/")
    first.save(PHOTO, b"first shop's photo")
    second.save(PHOTO, b"second shop's photo")
    assert s3_bucket.keys() == [f"shop-a/returns/{PHOTO}", f"shop-b/{PHOTO}"]

    assert first.load(PHOTO) == b"first shop's photo"
    assert second.load(PHOTO) == b"second shop's photo"
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert list(first.keys("photos", later)) == list(second.keys("photos", later)) == [PHOTO]
    assert list(s3_bucket.storage().keys("photos", later)) == []  # the top sees neither

    first.delete(PHOTO)
    assert not first.exists(PHOTO) and second.load(PHOTO) == b"second shop's photo"


@pytest.mark.parametrize(
    "key",
    ["../escape.jpg", "photos/../../escape.jpg", "/photos/a.jpg", "photos/A.jpg", "photos/x.exe"],
)
def test_a_key_that_is_not_ours_is_refused_before_any_request(s3_bucket, key):
    storage = s3_bucket.storage("shop")
    sent = _requests_to(storage)
    for attempt in (
        lambda: storage.save(key, JPEG),
        lambda: storage.load(key),
        lambda: storage.delete(key),
        lambda: storage.exists(key),
        lambda: storage.presigned_url(key, 60),
    ):
        with pytest.raises(ValueError, match="not a storage key"):
            attempt()
    assert sent == [] and s3_bucket.keys() == []


def test_objects_are_private_an_unsigned_get_is_refused(s3_bucket):
    storage = s3_bucket.storage("shop")
    storage.save(PHOTO, JPEG)
    status, _headers, body = fetch(s3_bucket.url(f"shop/{PHOTO}"))
    assert status == 403 and JPEG not in body
    grants = s3_bucket.client.get_object_acl(Bucket=s3_bucket.name, Key=f"shop/{PHOTO}")["Grants"]
    assert [grant["Permission"] for grant in grants] == ["FULL_CONTROL"]  # the owner, no one else
    assert all("URI" not in grant["Grantee"] for grant in grants)  # no AllUsers group
    # The server does serve a public object to anyone: the refusal above is the ACL's.
    s3_bucket.client.put_object(
        Bucket=s3_bucket.name, Key="public.txt", Body=b"hi", ACL="public-read"
    )
    assert fetch(s3_bucket.url("public.txt"))[0] == 200


def test_a_presigned_link_reads_one_object_for_the_seconds_asked(s3_bucket):
    storage = s3_bucket.storage("shop")
    storage.save(PHOTO, JPEG)
    storage.save("photos/" + "c" * 32 + ".jpg", b"another photo")
    sent = _requests_to(storage)
    url = storage.presigned_url(
        PHOTO, 45, disposition='attachment; filename="x.jpg"', cache_control="private"
    )
    assert sent == []  # signed here, no request to S3

    status, headers, body = fetch(url)
    assert status == 200 and body == JPEG
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Content-Disposition"] == 'attachment; filename="x.jpg"'
    assert headers["Cache-Control"] == "private"
    parts = urlsplit(url)
    assert parts.path == f"/{s3_bucket.name}/shop/{PHOTO}"
    query = parse_qs(parts.query)
    # moto serves a presigned link without checking its age, so the test reads what S3
    # checks: the signed lifetime and the moment of signing.
    assert query["X-Amz-Expires"] == ["45"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Credential"][0].startswith(f"{ACCESS_KEY_ID}/")
    signed_at = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - signed_at) < timedelta(minutes=1)
    assert "X-Amz-Signature" in query


def test_encryption_at_rest_is_asked_for_when_set(s3_bucket):
    s3_bucket.storage(server_side_encryption="AES256").save(PHOTO, JPEG)
    assert s3_bucket.head(PHOTO)["ServerSideEncryption"] == "AES256"


def test_a_missing_bucket_is_a_storage_error_that_says_what_to_check(s3_bucket):
    storage = S3Storage(
        "no-such-bucket-here",
        endpoint_url=s3_bucket.endpoint_url,
        region="eu-central-1",
        access_key_id="k",
        secret_access_key="s",
    )
    with pytest.raises(StorageError, match=r"NoSuchBucket.*check RETURNS_S3_BUCKET"):
        storage.save(PHOTO, JPEG)


def test_an_unreachable_server_is_a_storage_error_naming_the_address():
    nobody = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    storage = S3Storage(
        "shop-returns", endpoint_url=nobody, access_key_id="k", secret_access_key="s"
    )
    with pytest.raises(StorageError, match=re.escape("Could not connect to the endpoint URL")):
        storage.load(PHOTO)


def _no_credentials_anywhere(monkeypatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)


def test_without_credentials_the_error_says_where_they_come_from(s3_bucket, monkeypatch, tmp_path):
    _no_credentials_anywhere(monkeypatch, tmp_path)
    storage = S3Storage(s3_bucket.name, endpoint_url=s3_bucket.endpoint_url, region="eu-central-1")
    said = re.escape("no credentials. Set RETURNS_S3_ACCESS_KEY_ID")
    with pytest.raises(StorageError, match=said):
        storage.exists(PHOTO)


def _signed_by(storage: S3Storage) -> list[str]:
    keys: list[str] = []

    def note(request, **_):
        signature = request.headers["Authorization"].decode()
        keys.append(re.search(r"Credential=([^/]+)/", signature).group(1))

    storage.client.meta.events.register("before-send.s3", note)
    return keys


def _s3_app(storage: object = None, **config: object) -> Flask:
    """A bare app with the extension; no database is touched."""
    app = Flask("host")
    app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI="sqlite://", **config)
    SQLAlchemy(app)
    Returns(app, orders=MemoryOrders(), storage=storage)
    return app


def test_credentials_come_from_the_settings_or_else_from_boto3s_chain(
    s3_bucket, monkeypatch, tmp_path
):
    _no_credentials_anywhere(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "key-from-environment")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret-from-environment")
    settings = s3_bucket.settings()
    from_settings = _s3_app(**settings).extensions["returns"].storage
    del settings["RETURNS_S3_ACCESS_KEY_ID"], settings["RETURNS_S3_SECRET_ACCESS_KEY"]
    from_environment = _s3_app(**settings).extensions["returns"].storage
    for storage in (from_settings, from_environment):
        signed = _signed_by(storage)
        storage.save(PHOTO, JPEG)
        assert storage.load(PHOTO) == JPEG
        assert set(signed) == {
            ACCESS_KEY_ID if storage is from_settings else "key-from-environment"
        }


# --------------------------------------------------------------------------- start-up


def test_s3_settings_give_the_app_a_bucket_and_no_folder(s3_bucket):
    app = _s3_app(**s3_bucket.settings("shop/returns"))
    storage = app.extensions["returns"].storage
    assert isinstance(storage, S3Storage)
    assert (storage.bucket, storage.prefix) == (s3_bucket.name, "shop/returns/")
    assert app.config["RETURNS_S3_PRESIGNED_SECONDS"] is None
    assert s3_bucket.keys() == []  # start-up asks the bucket nothing


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"RETURNS_STORAGE": "s3"}, "RETURNS_STORAGE = 's3' needs RETURNS_S3_BUCKET"),
        ({"RETURNS_STORAGE": "gcs"}, "RETURNS_STORAGE must be one of local, s3"),
        ({"RETURNS_S3_BUCKET": "shop"}, "RETURNS_S3_BUCKET set, but RETURNS_STORAGE is 'local'"),
        (
            {"RETURNS_STORAGE": "s3", "RETURNS_S3_BUCKET": "shop", "RETURNS_STORAGE_PATH": "/x"},
            "with RETURNS_STORAGE = 's3' leave it unset",
        ),
        (
            {"RETURNS_STORAGE": "s3", "RETURNS_S3_BUCKET": "shop", "RETURNS_S3_ACCESS_KEY_ID": "k"},
            "RETURNS_S3_ACCESS_KEY_ID and RETURNS_S3_SECRET_ACCESS_KEY go together",
        ),
        ({"RETURNS_S3_PRESIGNED_SECONDS": 60}, "RETURNS_S3_PRESIGNED_SECONDS needs a storage"),
        ({"RETURNS_S3_PRESIGNED_SECONDS": 0}, "whole seconds from 1 to 3600"),
        ({"RETURNS_S3_PRESIGNED_SECONDS": 86400}, "whole seconds from 1 to 3600"),
        ({"RETURNS_S3_PRESIGNED_SECONDS": True}, "whole seconds from 1 to 3600"),
        ({"RETURNS_S3_BUCKET": "no/slash"}, "RETURNS_S3_BUCKET must be a bucket name"),
        ({"RETURNS_S3_PREFIX": "a//b"}, "RETURNS_S3_PREFIX must be a folder in the bucket"),
        ({"RETURNS_S3_PREFIX": "shop/../x"}, "RETURNS_S3_PREFIX must be a folder in the bucket"),
        ({"RETURNS_S3_ENDPOINT_URL": "minio:9000"}, "RETURNS_S3_ENDPOINT_URL must be an http"),
        ({"RETURNS_S3_REGION": "EU Central"}, "RETURNS_S3_REGION must be a region"),
        ({"RETURNS_S3_SERVER_SIDE_ENCRYPTION": "yes"}, "None, 'AES256' or 'aws:kms'"),
    ],
)
def test_wrong_storage_settings_stop_start_up(config, message):
    with pytest.raises(ConfigurationError, match=re.escape(message)):
        _s3_app(**config)


def test_a_storage_object_and_s3_settings_together_stop_start_up(tmp_path):
    with pytest.raises(ConfigurationError, match="pass storage= or set RETURNS_STORAGE = 's3'"):
        _s3_app(LocalStorage(tmp_path), RETURNS_STORAGE="s3", RETURNS_S3_BUCKET="shop")


def test_without_boto3_start_up_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "boto3", None)  # import boto3 now fails
    with pytest.raises(ConfigurationError, match=re.escape("pip install 'flask-returns[s3]'")):
        _s3_app(RETURNS_STORAGE="s3", RETURNS_S3_BUCKET="shop")


def test_a_shop_on_local_storage_never_imports_boto3():
    script = textwrap.dedent(
        """
        import sys
        from flask import Flask
        from flask_sqlalchemy import SQLAlchemy
        from flask_returns import Returns
        from flask_returns.testing import MemoryOrders, make_order

        app = Flask("shop")
        app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI="sqlite://")
        SQLAlchemy(app)
        Returns(app, orders=MemoryOrders(make_order("1001")))
        print(sorted(m for m in ("boto3", "botocore") if m in sys.modules))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --------------------------------------------------------------------------- prune


def test_prune_deletes_the_buckets_orphan_photos_only(make_host_app, s3_bucket):
    order = make_order()
    app = make_host_app(MemoryOrders(order), **s3_bucket.settings("shop"))
    with app.app_context():
        ret = open_return(order, {"L1": (1, "damaged")})  # a photo the return names
        (photo,) = ret.photos
        kept = {f"shop/{photo.storage_key}", f"shop/{photo.thumbnail_key}"}
        orphan = sample_photo()  # uploaded with a form never sent
    gone = {f"shop/{orphan.key}", f"shop/{orphan.thumbnail_key}"}
    assert set(s3_bucket.keys()) == kept | gone

    runner = app.test_cli_runner()
    prune = ["returns", "photos", "prune"]
    fresh = runner.invoke(args=prune)  # everything was written just now
    assert fresh.exit_code == 0 and "0 orphan photo file(s) deleted" in fresh.output
    with clock_at(datetime.now(UTC) + timedelta(days=2)):
        dry = runner.invoke(args=[*prune, "--dry-run"])
        assert "2 orphan photo file(s) would be deleted" in dry.output
        assert set(s3_bucket.keys()) == kept | gone
        done = runner.invoke(args=prune)
    assert done.exit_code == 0 and "2 orphan photo file(s) deleted" in done.output, done.output
    assert set(s3_bucket.keys()) == kept


# --------------------------------------------------------------------------- the customer's flow


def _in_bucket(s3_bucket, folder: str, prefix: str = "shop/") -> list[str]:
    return [key for key in s3_bucket.keys() if key.startswith(f"{prefix}{folder}/")]


def image_bytes(s3_bucket, photo) -> bytes:
    return s3_bucket.read(f"shop/{photo.storage_key}")


def test_the_customer_flow_keeps_every_file_in_the_bucket(
    make_unpaid_shop_app, s3_bucket, tmp_path
):
    app = make_unpaid_shop_app(**s3_bucket.settings("shop"))
    rma, path = open_return_by_form(app, "1001", {SHIRT: (1, "damaged")}, photo=True)
    (photo,) = load(app, rma).photos
    assert sorted(_in_bucket(s3_bucket, "photos")) == sorted(
        [f"shop/{photo.storage_key}", f"shop/{photo.thumbnail_key}"]
    )
    customer = app.test_client()
    page = customer.get(path).get_data(as_text=True)
    for size, key in (("full", photo.storage_key), ("thumb", photo.thumbnail_key)):
        assert f"{path}/photos/{photo.id}/{size}" in page
        image = customer.get(f"{path}/photos/{photo.id}/{size}")
        assert image.status_code == 200 and image.mimetype == "image/jpeg"
        assert image.data == s3_bucket.read(f"shop/{key}")

    admin = admin_client(app)
    authorize_all(admin, rma)  # the label is made now, into the bucket
    (label,) = _in_bucket(s3_bucket, "labels")
    with app.app_context():
        document = app.extensions["returns"].session.scalar(sa.select(LabelDocument))
        assert label == f"shop/{document.storage_key}"
    pdf = customer.get(f"{path}/label.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data == s3_bucket.read(label) and rma in squeeze(pdf_text(pdf.data))
    admin_image = admin.get(f"/returns/admin/returns/{rma}/photos/{photo.id}/full")
    assert admin_image.data == s3_bucket.read(f"shop/{photo.storage_key}")

    # Another app server on the same database and bucket serves the same files.
    other = make_unpaid_shop_app(**s3_bucket.settings("shop")).test_client()
    assert other.get(f"{path}/photos/{photo.id}/full").data == image_bytes(s3_bucket, photo)
    assert other.get(f"{path}/label.pdf").data == pdf.data
    assert not (tmp_path / "files").exists()  # nothing went to a local folder

    # A label gone from the bucket is made again, not a 500.
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=label)
    again = customer.get(f"{path}/label.pdf")
    assert again.status_code == 200 and rma in squeeze(pdf_text(again.data))
    assert len(_in_bucket(s3_bucket, "labels")) == 1


def test_presigned_downloads_redirect_only_after_the_access_checks(make_unpaid_shop_app, s3_bucket):
    app = make_unpaid_shop_app(**s3_bucket.settings("shop", RETURNS_S3_PRESIGNED_SECONDS=60))
    rma, path = open_return_by_form(app, "1001", {SHIRT: (1, "damaged")}, photo=True)
    _other, other_path = open_return_by_form(app, "1003", {SNEAKERS: (1, "size_fit")})
    (photo,) = load(app, rma).photos
    customer = app.test_client()

    answer = customer.get(f"{path}/photos/{photo.id}/full")
    assert answer.status_code == 302
    assert answer.location.startswith(f"{s3_bucket.endpoint_url}/{s3_bucket.name}/shop/photos/")
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.headers["Referrer-Policy"] == "no-referrer"
    assert parse_qs(urlsplit(answer.location).query)["X-Amz-Expires"] == ["60"]
    status, headers, body = fetch(answer.location)
    assert status == 200 and body == image_bytes(s3_bucket, photo)
    assert headers["Content-Type"] == "image/jpeg" and headers["Content-Disposition"] == "inline"

    # Someone else's link, a forged one, a stranger at the admin's address: no redirect.
    refused = [
        customer.get(f"{other_path}/photos/{photo.id}/full"),
        customer.get(f"/returns/status/forged/photos/{photo.id}/full"),
        customer.get(f"/returns/admin/returns/{rma}/photos/{photo.id}/full"),
        customer.get(f"{path}/label.pdf"),  # not authorized yet: no label
    ]
    for response in refused:
        assert response.status_code in (302, 403, 404)
        assert not (response.location or "").startswith(s3_bucket.endpoint_url)

    admin = admin_client(app)
    assert admin.get(f"/returns/admin/returns/{rma}/photos/{photo.id}/thumb").location.startswith(
        s3_bucket.endpoint_url
    )
    authorize_all(admin, rma)
    download = customer.get(f"{path}/label.pdf")
    assert download.status_code == 302 and download.headers["Cache-Control"] == "no-store"
    status, headers, body = fetch(download.location)
    assert status == 200 and headers["Content-Type"] == "application/pdf"
    assert headers["Content-Disposition"] == f'attachment; filename="return-label-{rma}.pdf"'
    assert rma in squeeze(pdf_text(body))
    assert customer.get(f"{other_path}/label.pdf").status_code == 404  # not authorized

    # A label file gone from the bucket is made again before the redirect.
    (label,) = _in_bucket(s3_bucket, "labels")
    s3_bucket.client.delete_object(Bucket=s3_bucket.name, Key=label)
    again = customer.get(f"{path}/label.pdf")
    (remade,) = _in_bucket(s3_bucket, "labels")
    assert remade != label and urlsplit(again.location).path.endswith(remade)
    assert fetch(again.location)[0] == 200
