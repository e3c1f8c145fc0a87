"""Customer-flow benchmark: photo pipeline, upload memory, requests per second.

Run from the repo root:  .venv/bin/python benchmarks/customer_flow.py
Prints a table and writes benchmarks/results/customer_flow.json. Every figure is a
median over repetitions, compared with a baseline measured in the same run.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from PIL import Image  # noqa: E402

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
MB = 1024 * 1024
PHOTO_REPS = 15
HTTP_WARMUP = 1.0
HTTP_DURATION = 5.0
HTTP_ROUNDS = 2
CLIENT_THREADS = 4
GUNICORN_WORKERS = 2
SECRET_KEY = "benchmark-secret-key"
ORDER_NUMBER = "1001"  # the order the returns pages show, looked up by lookup_cookie
ORDER_PATH = f"/orders/{ORDER_NUMBER}"


# --------------------------------------------------------------------------- helpers


def machine() -> dict[str, Any]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "pillow": Image.__version__,
        "loadavg_at_start": [round(x, 2) for x in load],
    }


def noisy_jpeg(width: int, height: int, alpha: float, quality: int) -> bytes:
    """Gradient + Gaussian noise per channel: real-photo-like, not trivially compressible."""
    grad = Image.linear_gradient("L")
    bases = (
        grad.resize((width, height)),
        grad.rotate(90).resize((width, height)),
        grad.transpose(Image.Transpose.FLIP_LEFT_RIGHT).resize((width, height)),
    )
    channels = [Image.blend(b, Image.effect_noise((width, height), 64), alpha) for b in bases]
    out = io.BytesIO()
    Image.merge("RGB", channels).save(out, "JPEG", quality=quality)
    return out.getvalue()


def big_photo_under(limit: int) -> bytes:
    """A 5000x4000 quality-95 JPEG as close to (but under) ``limit`` bytes as a few tries get."""
    low, high, best = 0.0, 0.3, b""
    for _ in range(7):
        alpha = (low + high) / 2
        data = noisy_jpeg(5000, 4000, alpha, 95)
        if len(data) < limit:
            low, best = alpha, data
            if len(data) > limit * 0.96:
                break
        else:
            high = alpha
    if not best:
        raise RuntimeError("could not make a JPEG under the limit")
    return best


# --------------------------------------------------------------------------- 1. photos


def bench_photos() -> dict[str, Any]:
    from flask_returns.photos import process_photo

    data = noisy_jpeg(4032, 3024, 0.2, 90)

    def ours() -> None:
        process_photo(data, max_bytes=10 * MB, max_side=2048, max_pixels=60_000_000)

    def plain() -> None:
        Image.open(io.BytesIO(data)).load()

    ours()
    plain()  # warm caches / imports
    times: dict[str, list[float]] = {"ours": [], "plain": []}
    for _ in range(PHOTO_REPS):
        for name, fn in (("ours", ours), ("plain", plain)):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    ours_ms = statistics.median(times["ours"]) * 1000
    plain_ms = statistics.median(times["plain"]) * 1000
    ratio = ours_ms / plain_ms
    return {
        "jpeg_bytes": len(data),
        "size": [4032, 3024],
        "repetitions": PHOTO_REPS,
        "process_photo_ms_median": round(ours_ms, 1),
        "plain_decode_ms_median": round(plain_ms, 1),
        "ratio": round(ratio, 3),
        "goal": "ratio <= 1.0",
        "goal_met": ratio <= 1.0,
        "all_ms": {k: [round(t * 1000, 1) for t in v] for k, v in times.items()},
    }


# --------------------------------------------------------------------------- 2. memory


def memory_child(photo_path: str, workdir: str) -> None:
    """In a fresh process: one real return-form POST with 5 big photos; print RSS as JSON."""
    from example_shop import create_app
    from example_shop.local_stripe import LocalStripeServer
    from example_shop.models import db
    from example_shop.seed import seed_demo_data
    from flask_returns import schema

    work = Path(workdir)
    stages: dict[str, int] = {}

    def mark(stage: str) -> None:
        stages[stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024

    mark("imports")
    stripe_server = LocalStripeServer()
    stripe_server.start(state_dir=str(work / "stripe"))
    try:
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{work / 'shop.db'}",
                "STRIPE_API_KEY": "sk_test_bench_local",
                "STRIPE_API_BASE": stripe_server.api_base,
                "RETURNS_STORAGE_PATH": str(work / "files"),
                "SECRET_KEY": SECRET_KEY,
            }
        )
        with app.app_context():
            mark("app created")
            db.create_all()
            schema.upgrade(db.engine)
            mark("schema upgraded")
            seed_demo_data()
            mark("seeded")
        client = app.test_client()
        page = client.get("/returns/").get_data(as_text=True)
        lookup = client.post(
            "/returns/",
            data={
                "csrf_token": TOKEN.search(page).group(1),
                "order_number": "1001",
                "email": "customer@example.com",
            },
        )
        assert lookup.status_code == 302, lookup.status_code
        page = client.get("/returns/new?lang=en").get_data(as_text=True)
        match = re.search(
            r"<legend>Organic T-shirt, blue, M</legend>.*?name=\"line-(\d+)-quantity\"",
            page,
            re.S,
        )
        assert match, "T-shirt line not found on the return form"
        line = int(match.group(1))
        mark("form page rendered")
        files = [open(photo_path, "rb") for _ in range(5)]
        try:
            data: dict[str, Any] = {
                "csrf_token": TOKEN.search(page).group(1),
                f"line-{line}-quantity": "1",
                f"line-{line}-reason": "damaged",
                f"line-{line}-photos": [(f, f"photo{i}.jpg") for i, f in enumerate(files)],
            }
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            start = time.perf_counter()
            response = client.post("/returns/new", data=data, content_type="multipart/form-data")
            elapsed = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            hwm = re.search(r"VmHWM:\s+(\d+)", Path("/proc/self/status").read_text())
        finally:
            for f in files:
                f.close()
        stored = list((work / "files").rglob("*"))
        print(
            json.dumps(
                {
                    "status": response.status_code,
                    "location": response.headers.get("Location"),
                    "rss_before_kb": before,
                    "rss_after_kb": after,
                    "vmhwm_after_kb": int(hwm.group(1)) if hwm else None,
                    "request_seconds": round(elapsed, 2),
                    "stored_files": sum(1 for p in stored if p.is_file()),
                    "peak_rss_mb_by_stage": stages,
                }
            )
        )
    finally:
        stripe_server.stop()


def bench_memory() -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="bench-mem-"))
    try:
        # Made in a subprocess: Linux carries a process's peak RSS (ru_maxrss) across
        # fork+exec, so the child must be spawned while this process is still small.
        photo_path = work / "big.jpg"
        subprocess.run(
            [sys.executable, __file__, "--make-photo", str(photo_path)], cwd=ROOT, check=True
        )
        photo = photo_path.read_bytes()
        proc = subprocess.run(
            [sys.executable, __file__, "--memory-child", str(photo_path), str(work)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=180,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"memory child failed:\n{proc.stdout}\n{proc.stderr}")
        child = json.loads(proc.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    peak = child["rss_after_kb"] / 1024
    before = child["rss_before_kb"] / 1024
    return {
        "photos": 5,
        "photo_bytes_each": len(photo),
        "photo_size": [5000, 4000],
        "note": "the same JPEG file uploaded 5 times under different names",
        "response_status": child["status"],
        "request_seconds": child["request_seconds"],
        "stored_files": child["stored_files"],
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(peak, 1),
        "rss_increase_mb": round(peak - before, 1),
        "vmhwm_mb": round((child["vmhwm_after_kb"] or 0) / 1024, 1),
        "peak_rss_mb_by_stage": child["peak_rss_mb_by_stage"],
        "goal": "peak <= 250 MB",
        "goal_met": peak <= 250 and child["status"] == 302,
    }


# --------------------------------------------------------------------------- 3. HTTP


class Postgres:
    """A throwaway cluster on 127.0.0.1, as tests/harness/fixtures.py starts it."""

    def __init__(self) -> None:
        from example_shop.local_stripe import free_port

        bins = [
            p
            for p in Path("/usr/lib/postgresql").glob("*/bin")
            if (p / "initdb").is_file() and p.parent.name.isdigit()
        ]
        if not bins:
            raise RuntimeError("no PostgreSQL under /usr/lib/postgresql/*/bin")
        self.bin = max(bins, key=lambda p: int(p.parent.name))
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-pg-"))
        self.data = self.tmp / "data"
        self.port = free_port()
        self.started = False

    def _run(self, *cmd: str) -> None:
        proc = subprocess.run(
            [*self.as_postgres, *cmd], capture_output=True, text=True, cwd=self.tmp, check=False
        )
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")

    def start(self) -> str:
        sock = self.tmp / "sock"
        sock.mkdir()
        if self.as_postgres:
            shutil.chown(self.tmp, "postgres", "postgres")
            shutil.chown(sock, "postgres", "postgres")
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} "
            f"-c unix_socket_directories={sock} -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=100"
        )
        self._run(
            str(self.bin / "initdb"), "-D", str(self.data), "--auth=trust",
            "--username=postgres", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
        )  # fmt: skip
        self._run(
            str(self.bin / "pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data),
            "-l", str(self.tmp / "postgres.log"), "-o", options,
        )  # fmt: skip
        self.started = True
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE bench")
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/bench"

    def stop(self) -> None:
        try:
            if self.started:
                pg_ctl = str(self.bin / "pg_ctl")
                self._run(pg_ctl, "stop", "-m", "fast", "-w", "-D", str(self.data))
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)


class Gunicorn:
    def __init__(self, module: str, env: dict[str, str]) -> None:
        from example_shop.local_stripe import free_port

        self.port = free_port()
        self.log = tempfile.TemporaryFile(prefix="bench-gunicorn-")
        full_env = dict(os.environ, **env)
        full_env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(BENCH)])
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "--workers", str(GUNICORN_WORKERS), "--worker-class", "sync",
                "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", module,
            ],
            cwd=ROOT, env=full_env, stdin=subprocess.DEVNULL,
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/")
                conn.getresponse().read()
                conn.close()
                break
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.log.seek(0)
                    output = self.log.read().decode()
                    raise RuntimeError(f"gunicorn did not start:\n{output}") from None
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def _request(port: int, method: str, path: str, cookies: dict[str, str], body: str = ""):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    if body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body or None, headers=headers)
    response = conn.getresponse()
    text = response.read().decode()
    for header in response.headers.get_all("Set-Cookie") or []:
        jar = SimpleCookie()
        jar.load(header)
        cookies.update({k: m.value for k, m in jar.items()})
    conn.close()
    return response, text


def lookup_cookie(port: int) -> dict[str, str]:
    cookies: dict[str, str] = {}
    _, page = _request(port, "GET", "/returns/", cookies)
    body = urllib.parse.urlencode(
        {
            "csrf_token": TOKEN.search(page).group(1),
            "order_number": ORDER_NUMBER,
            "email": "customer@example.com",
        }
    )
    response, _ = _request(port, "POST", "/returns/", cookies, body)
    if response.status != 302:
        raise RuntimeError(f"look-up failed: {response.status}")
    return cookies


def load(port: int, path: str, cookies: dict[str, str]) -> dict[str, Any]:
    """Keep-alive http.client connections in threads; count 200s over a fixed duration."""
    header = {"Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())} if cookies else {}
    counts = [0] * CLIENT_THREADS
    errors = [0] * CLIENT_THREADS
    phase = {"measure": False, "stop": False}

    def worker(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while not phase["stop"]:
            try:
                conn.request("GET", path, headers=header)
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
                if response.will_close:  # sync workers close after every response
                    conn.close()
            except (OSError, http.client.HTTPException):
                conn.close()
                ok = False
            if phase["measure"]:
                if ok:
                    counts[i] += 1
                else:
                    errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(CLIENT_THREADS)]
    for t in threads:
        t.start()
    time.sleep(HTTP_WARMUP)
    phase["measure"] = True
    start = time.perf_counter()
    time.sleep(HTTP_DURATION)
    phase["measure"] = False
    elapsed = time.perf_counter() - start
    phase["stop"] = True
    for t in threads:
        t.join()
    return {"rps": sum(counts) / elapsed, "errors": sum(errors)}


def make_return(database_url: str, stripe_base: str, storage: str) -> str:
    """Open one return through the real form (test client on the same database)."""
    from example_shop import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "STRIPE_API_KEY": "sk_test_bench_local",
            "STRIPE_API_BASE": stripe_base,
            "RETURNS_STORAGE_PATH": storage,
            "SECRET_KEY": SECRET_KEY,
        }
    )
    client = app.test_client()
    page = client.get("/returns/").get_data(as_text=True)
    client.post(
        "/returns/",
        data={
            "csrf_token": TOKEN.search(page).group(1),
            "order_number": "1001",
            "email": "customer@example.com",
        },
    )
    page = client.get("/returns/new?lang=en").get_data(as_text=True)
    mug = re.search(r"<legend>Stoneware mug</legend>.*?name=\"line-(\d+)-quantity\"", page, re.S)
    response = client.post(
        "/returns/new",
        data={
            "csrf_token": TOKEN.search(page).group(1),
            f"line-{mug.group(1)}-quantity": "1",
            f"line-{mug.group(1)}-reason": "changed_mind",
        },
    )
    if response.status_code != 302:
        raise RuntimeError(f"could not open a return: {response.status_code}")
    with app.app_context():
        app.extensions["sqlalchemy"].engine.dispose()
    return response.headers["Location"].split("?", 1)[0]


def bench_http() -> dict[str, Any]:
    from example_shop import create_app
    from example_shop.local_stripe import LocalStripeServer
    from example_shop.models import db
    from example_shop.seed import seed_demo_data
    from flask_returns import schema

    work = Path(tempfile.mkdtemp(prefix="bench-http-"))
    postgres = Postgres()
    stripe_server = LocalStripeServer()
    servers: list[Gunicorn] = []
    try:
        url = postgres.start()
        stripe_server.start(state_dir=str(work / "stripe"))
        storage = str(work / "files")
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "STRIPE_API_KEY": "sk_test_bench_local",
                "STRIPE_API_BASE": stripe_server.api_base,
                "RETURNS_STORAGE_PATH": storage,
                "SECRET_KEY": SECRET_KEY,
            }
        )
        with app.app_context():
            db.create_all()
            schema.upgrade(db.engine)
            seed_demo_data()
            db.engine.dispose()
        status_path = make_return(url, stripe_server.api_base, storage)

        shop_env = {
            "BENCH_DATABASE_URL": url,
            "BENCH_SECRET_KEY": SECRET_KEY,
            "BENCH_STRIPE_API_BASE": stripe_server.api_base,
            "BENCH_STORAGE_PATH": storage,
        }
        shop = Gunicorn("shop_wsgi:app", shop_env)
        servers.append(shop)
        cookies = lookup_cookie(shop.port)
        response, returns_html = _request(shop.port, "GET", "/returns/new", dict(cookies))
        if response.status != 200:
            raise RuntimeError(f"/returns/new answered {response.status}")
        response, status_html = _request(shop.port, "GET", status_path, {})
        if response.status != 200:
            raise RuntimeError(f"{status_path} answered {response.status}")

        # A diagnostic: the same pages with their reads served from memory.
        in_memory = Gunicorn("shop_wsgi_reads_in_memory:app", shop_env)
        servers.append(in_memory)
        in_memory_cookies = lookup_cookie(in_memory.port)
        for path, jar in (("/returns/new", in_memory_cookies), (status_path, {})):
            for _ in range(GUNICORN_WORKERS * 2):  # every worker answers from memory
                response, _html = _request(in_memory.port, "GET", path, dict(jar))
                if response.status != 200:
                    raise RuntimeError(f"{path} (reads in memory) answered {response.status}")
        # The fair baseline: the shop's own page for the same order, as long as the form.
        order_page = Gunicorn(
            "order_page_app:app",
            dict(
                shop_env,
                BENCH_HTML_LENGTH=str(len(returns_html)),
                BENCH_ORDER_NUMBER=ORDER_NUMBER,
            ),
        )
        servers.append(order_page)
        response, order_html = _request(order_page.port, "GET", ORDER_PATH, {})
        if response.status != 200:
            raise RuntimeError(f"{ORDER_PATH} answered {response.status}")
        response, one_query_html = _request(order_page.port, "GET", f"{ORDER_PATH}/one-query", {})
        if response.status != 200 or one_query_html != order_html:
            raise RuntimeError(f"{ORDER_PATH}/one-query answered {response.status}, not the same")
        bare = Gunicorn("bare_app:app", {"BENCH_HTML_LENGTH": str(len(returns_html))})
        servers.append(bare)
        _, bare_html = _request(bare.port, "GET", "/", {})

        targets = {
            "returns_new": (shop.port, "/returns/new", cookies),
            "status": (shop.port, status_path, {}),
            "returns_new_reads_in_memory": (in_memory.port, "/returns/new", in_memory_cookies),
            "status_reads_in_memory": (in_memory.port, status_path, {}),
            "order_page": (order_page.port, ORDER_PATH, {}),
            "order_page_one_query": (order_page.port, f"{ORDER_PATH}/one-query", {}),
            "bare": (bare.port, "/", {}),
        }
        runs: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
        for _ in range(HTTP_ROUNDS):
            for name, (port, path, jar) in targets.items():
                runs[name].append(load(port, path, jar))
    finally:
        for server in servers:
            server.stop()
        stripe_server.stop()
        postgres.stop()
        shutil.rmtree(work, ignore_errors=True)

    rps = {name: statistics.median(r["rps"] for r in rs) for name, rs in runs.items()}
    result: dict[str, Any] = {
        "server": f"gunicorn {GUNICORN_WORKERS} sync workers, PostgreSQL",
        "client": f"Python http.client, {CLIENT_THREADS} threads, keep-alive where the "
        f"server allows it; {HTTP_WARMUP:g} s warm-up + {HTTP_DURATION:g} s per run, "
        f"{HTTP_ROUNDS} runs per target",
        "html_bytes": {
            "returns_new": len(returns_html),
            "status": len(status_html),
            "order_page": len(order_html),
            "bare": len(bare_html),
        },
        "runs": {
            n: [{"rps": round(r["rps"], 1), "errors": r["errors"]} for r in rs]
            for n, rs in runs.items()
        },
        "rps_median": {n: round(v, 1) for n, v in rps.items()},
        "goal": "returns pages >= 0.5x the shop's order page (order_page)",
    }
    # Ratios to the fair baseline (the goal) and to the bare page (a second reference),
    # per run too: the runs alternate targets, so run i of each was measured together.
    for name in ("returns_new", "status", "returns_new_reads_in_memory", "status_reads_in_memory"):
        for baseline in ("order_page", "order_page_one_query", "bare"):
            result[f"{name}_ratio_{baseline}"] = round(rps[name] / rps[baseline], 3)
            result[f"{name}_ratios_{baseline}_per_run"] = [
                round(r["rps"] / b["rps"], 3)
                for r, b in zip(runs[name], runs[baseline], strict=True)
            ]
    result["order_page_ratio_bare"] = round(rps["order_page"] / rps["bare"], 3)
    result["order_page_one_query_ratio_bare"] = round(rps["order_page_one_query"] / rps["bare"], 3)
    for name in ("returns_new", "status"):
        result[f"{name}_goal_met"] = result[f"{name}_ratio_order_page"] >= 0.5
        result[f"{name}_goal_met_one_query"] = result[f"{name}_ratio_order_page_one_query"] >= 0.5
    return result


# --------------------------------------------------------------------------- main


def print_table(results: dict[str, Any]) -> None:
    m = results["machine"]
    print(f"\nmachine: nproc={m['nproc']}  cpu={m['cpu_model']}  python={m['python']}  "
          f"pillow={m['pillow']}  loadavg={m['loadavg_at_start']}")  # fmt: skip
    rows = []
    p = results["photo"]
    rows.append(("photo: process_photo 12 MP (ms)", p["process_photo_ms_median"], "", ""))
    rows.append(("photo: plain Pillow decode (ms)", p["plain_decode_ms_median"], "", ""))
    rows.append(("photo: ours / plain", p["ratio"], "<= 1.0", p["goal_met"]))
    mem = results["memory"]
    rows.append(("upload 5 x ~10 MB: RSS before (MB)", mem["rss_before_mb"], "", ""))
    rows.append(("upload 5 x ~10 MB: RSS peak (MB)", mem["rss_peak_mb"], "<= 250", mem["goal_met"]))
    rows.append(("upload 5 x ~10 MB: RSS increase (MB)", mem["rss_increase_mb"], "", ""))
    h = results["http"]
    for name, label in (("returns_new", "GET /returns/new"), ("status", "GET /returns/status/<t>"),
                        ("returns_new_reads_in_memory", "/returns/new, reads in memory"),
                        ("status_reads_in_memory", "status page, reads in memory"),
                        ("order_page", "shop's order page (fair)"),
                        ("order_page_one_query", "order page, one query"),
                        ("bare", "bare Flask page")):  # fmt: skip
        rows.append((f"rps: {label}", h["rps_median"][name], "", ""))
    for name in ("returns_new", "status"):
        rows.append((f"rps ratio: {name} / order page", h[f"{name}_ratio_order_page"],
                     ">= 0.5", h[f"{name}_goal_met"]))  # fmt: skip
    for name in ("returns_new", "status"):
        rows.append((f"rps ratio: {name} / order page, one query",
                     h[f"{name}_ratio_order_page_one_query"], "(>= 0.5)",
                     h[f"{name}_goal_met_one_query"]))  # fmt: skip
    for name in ("returns_new", "status"):
        rows.append((f"rps ratio: {name} / bare", h[f"{name}_ratio_bare"], "", ""))
    rows.append(("rps ratio: order page / bare", h["order_page_ratio_bare"], "", ""))
    rows.append(("rps ratio: order page, one query / bare",
                 h["order_page_one_query_ratio_bare"], "", ""))  # fmt: skip
    for name in ("returns_new", "status"):
        rows.append((f"rps ratio: {name}, in memory / order page",
                     h[f"{name}_reads_in_memory_ratio_order_page"], "", ""))  # fmt: skip
        rows.append((f"rps ratio: {name}, in memory / bare",
                     h[f"{name}_reads_in_memory_ratio_bare"], "", ""))  # fmt: skip
    print(f"{'measurement (median)':<46} {'value':>10}  {'goal':<8} met")
    print("-" * 72)
    for label, value, goal, met in rows:
        print(f"{label:<46} {value:>10}  {goal:<8} {'' if met == '' else ('yes' if met else 'NO')}")
    print(f"\nphoto: {p['jpeg_bytes']} byte JPEG, {p['repetitions']} interleaved reps each")
    print(
        f"upload: {mem['photo_bytes_each']} bytes each, status {mem['response_status']}, "
        f"{mem['request_seconds']} s, {mem['stored_files']} files stored, "
        f"VmHWM {mem['vmhwm_mb']} MB; peak RSS by stage {mem['peak_rss_mb_by_stage']}"
    )
    print(f"http: {h['server']}; {h['client']}")
    print(f"http: html bytes {h['html_bytes']}; runs {h['runs']}")


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--memory-child":
        memory_child(sys.argv[2], sys.argv[3])
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--make-photo":
        Path(sys.argv[2]).write_bytes(big_photo_under(10 * MB))
        return
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine()}
    # Memory first, while this process is small (see bench_memory).
    print("1/3 upload memory ...", flush=True)
    results["memory"] = bench_memory()
    print("2/3 photo pipeline ...", flush=True)
    results["photo"] = bench_photos()
    print("3/3 requests per second ...", flush=True)
    results["http"] = bench_http()
    results["seconds"] = round(time.perf_counter() - started, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "customer_flow.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    print(f"\nwrote {out.relative_to(ROOT)} in {results['seconds']} s")


if __name__ == "__main__":
    main()
