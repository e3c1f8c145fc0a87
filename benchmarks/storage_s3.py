"""Object storage benchmark: the customer's form with photos, S3 server against local folder.

Run from the repo root:  .venv/bin/python benchmarks/storage_s3.py [--reps N]

Two apps, alike but for their storage: one writes to a local folder, the other to
a bucket of an S3-protocol server (moto's server mode, its own process on
127.0.0.1, reached over HTTP by boto3 as AWS or MinIO would be). Each round posts
the return form with three photos to each app, alternately; every figure is a
median of the rounds, and the ratio compares the two in the same run. Writes
benchmarks/results/storage_s3.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask_sqlalchemy import SQLAlchemy  # noqa: E402
from PIL import Image  # noqa: E402

from flask_returns import OrderLine, Returns  # noqa: E402
from flask_returns.testing import MemoryOrders, make_order  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
BUCKET = "bench-returns"
KEYS = {"RETURNS_S3_ACCESS_KEY_ID": "bench", "RETURNS_S3_SECRET_ACCESS_KEY": "bench-secret"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _photo(seed: int) -> bytes:
    """A 3 MP JPEG (a gradient, so small: about 110 KB); each differs by a pixel."""
    image = Image.linear_gradient("L").resize((2000, 1500)).convert("RGB")
    image.putpixel((seed % 2000, 0), (seed % 255, 0, 0))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def _app(folder: Path, storage: dict) -> Flask:
    app = Flask(f"bench-{storage.get('RETURNS_STORAGE', 'local')}")
    order = make_order("5001", lines=[OrderLine("L1", "SKU-1", "Shirt", 10_000, 2499, "EUR")])
    app.config.update(
        SECRET_KEY="bench",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'db.sqlite'}",
        RETURNS_MAX_PHOTO_BYTES=5 * 1024 * 1024,
        **storage,
    )
    db = SQLAlchemy(app)
    Returns(app, orders=MemoryOrders(order))
    with app.app_context():
        from flask_returns import schema

        schema.upgrade(db.engine)
    return app


def _post_form(client, photos: list[bytes]) -> float:
    """Look the order up, open the form, send one line with the photos: seconds taken."""
    page = client.get("/returns/").get_data(as_text=True)
    client.post(
        "/returns/",
        data={"csrf_token": TOKEN.search(page).group(1), "order_number": "5001",
              "email": "customer@example.com"},
    )  # fmt: skip
    form = client.get("/returns/new").get_data(as_text=True)
    data = {
        "csrf_token": TOKEN.search(form).group(1),
        "line-0-quantity": "1",
        "line-0-reason": "damaged",
        "line-0-photos": [(io.BytesIO(p), f"p{n}.jpg") for n, p in enumerate(photos)],
    }
    start = time.perf_counter()
    answer = client.post("/returns/new", data=data, content_type="multipart/form-data")
    took = time.perf_counter() - start
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-s3-"))
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        endpoint = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        import boto3

        boto3.client(
            "s3", endpoint_url=endpoint, region_name="eu-central-1",
            aws_access_key_id="bench", aws_secret_access_key="bench-secret",
        ).create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-central-1"}
        )  # fmt: skip
        (work / "local").mkdir()
        (work / "s3").mkdir()
        local = _app(work / "local", {"RETURNS_STORAGE_PATH": str(work / "local" / "files")})
        s3 = _app(
            work / "s3",
            {"RETURNS_STORAGE": "s3", "RETURNS_S3_BUCKET": BUCKET,
             "RETURNS_S3_ENDPOINT_URL": endpoint, "RETURNS_S3_REGION": "eu-central-1", **KEYS},
        )  # fmt: skip
        photos = [_photo(n) for n in range(3)]
        clients = {"local": local.test_client(), "s3": s3.test_client()}
        for client in clients.values():  # warm-up: imports, first connections
            _post_form(client, photos)
        times: dict[str, list[float]] = {"local": [], "s3": []}
        for _ in range(args.reps):
            for name in ("local", "s3"):
                times[name].append(_post_form(clients[name], photos))
        medians = {name: statistics.median(values) for name, values in times.items()}
        result = {
            "photos_per_form": len(photos),
            "photo_bytes": [len(p) for p in photos],
            "reps": args.reps,
            "median_ms": {k: round(v * 1000, 1) for k, v in medians.items()},
            "ratio_s3_to_local": round(medians["s3"] / medians["local"], 2),
            "load_average": os.getloadavg(),
        }
        results = ROOT / "benchmarks" / "results"
        results.mkdir(exist_ok=True)
        (results / "storage_s3.json").write_text(json.dumps(result, indent=2))
        print(f"form with {len(photos)} photos, median of {args.reps}:")
        print(f"  local folder: {result['median_ms']['local']} ms")
        print(f"  S3 server:    {result['median_ms']['s3']} ms")
        print(f"  ratio S3 / local: {result['ratio_s3_to_local']}")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
