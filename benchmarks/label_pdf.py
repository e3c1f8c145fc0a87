"""Label PDF benchmark: rendering, serving the stored copy, size, and a cold start.

Run from the repo root:  .venv/bin/python benchmarks/label_pdf.py [--reps N] [--cold N]
Prints a table and writes benchmarks/results/label_pdf.json.

One ``tests/hosts.py`` host on SQLite (a temporary folder) with the example
shop's label settings and a Polish customer (Latin script with diacritics):

- warm render: ``render_document(gather_facts(ret))`` (facts, HTML, barcodes,
  WeasyPrint, no storage) after two warm-up renders; wall time, and the process's
  CPU time, which other processes on a shared machine inflate far less;
- serving: ``GET /returns/status/<token>/label.pdf`` through the Flask test client,
  which checks the token, recomputes the fingerprint (asks the order adapter) and
  reads the stored file; the two are timed alternately, so load on a shared
  machine hits both alike, and the ratio is serve / render;
- size: the stored PDF, 4x6 and A4;
- cold start: a fresh process sets up the same host, then times its first
  ``label_pdf`` (importing WeasyPrint included) and its second render.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

GOAL_RENDER_MS = 150.0
GOAL_SERVE_RATIO = 0.1
GOAL_SIZE_KB = 60.0

SETUP = """
import sys, time
sys.path.insert(0, {root!r})
import sqlalchemy as sa
from flask_returns import Address, schema
from flask_returns.links import status_token
from tests.hosts import MemoryOrders
from tests.label_helpers import authorized_return, label_host, order_with

def make(folder, **config):
    url = f"sqlite:///{{folder}}/bench.db"
    engine = sa.create_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    order = order_with(Address(name="Zażółć Gęślą Jaźń", line1="ul. Żółć 12/4",
                               postal_code="90-001", city="Łódź", country="PL"))
    from pathlib import Path
    app = label_host(url, MemoryOrders(order), Path(folder), **config)
    ctx = app.app_context()
    ctx.push()
    ret = authorized_return(app, order)
    return app, ret
"""

COLD = (
    SETUP
    + """
import json, tempfile
with tempfile.TemporaryDirectory() as folder:
    app, ret = make(folder)
    assert "weasyprint" not in sys.modules
    from flask_returns.documents import label_pdf
    start = time.perf_counter()
    label_pdf(ret)
    first = time.perf_counter() - start
    from flask_returns.documents.facts import gather_facts
    from flask_returns.documents.label import render_document
    start = time.perf_counter()
    render_document(gather_facts(ret))
    second = time.perf_counter() - start
    print(json.dumps({{"first_ms": first * 1000, "second_ms": second * 1000}}))
"""
)


def machine() -> dict[str, Any]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def cold_starts(count: int) -> list[dict[str, float]]:
    runs = []
    for _ in range(count):
        done = subprocess.run(
            [sys.executable, "-c", COLD.format(root=str(ROOT))],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        )
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def warm(reps: int) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(SETUP.format(root=str(ROOT)), namespace)  # the same set-up as the cold start
    import weasyprint

    from flask_returns.documents import current_document, label_pdf
    from flask_returns.documents.facts import gather_facts
    from flask_returns.documents.label import render_document
    from flask_returns.documents.pdf import harfbuzz_subset_available

    sizes: dict[str, int] = {}
    render_ms: list[float] = []
    serve_ms: list[float] = []
    render_cpu_ms: list[float] = []
    with tempfile.TemporaryDirectory() as folder:
        app, ret = namespace["make"](folder)
        session = app.extensions["test_db"].session
        pdf = label_pdf(ret)
        session.commit()
        sizes["4x6"] = current_document(ret).byte_size
        assert len(pdf) == sizes["4x6"]
        path = f"/returns/status/{namespace['status_token'](ret)}/label.pdf"
        client = app.test_client()
        for _ in range(2):
            render_document(gather_facts(ret))
            assert client.get(path).status_code == 200
        for rep in range(reps):
            steps = ("render", "serve") if rep % 2 == 0 else ("serve", "render")
            for step in steps:
                start, cpu = time.perf_counter(), time.process_time()
                if step == "render":
                    render_document(gather_facts(ret))
                    render_cpu_ms.append((time.process_time() - cpu) * 1000)
                else:
                    response = client.get(path)
                elapsed = (time.perf_counter() - start) * 1000
                (render_ms if step == "render" else serve_ms).append(elapsed)
            assert response.status_code == 200 and response.data == pdf
        with tempfile.TemporaryDirectory() as other:
            a4_app, a4_ret = namespace["make"](other, RETURNS_LABEL_PAGE_SIZE="A4")
            with a4_app.app_context():
                sizes["A4"] = len(label_pdf(a4_ret))
    return {
        "render_ms": render_ms,
        "render_cpu_ms": render_cpu_ms,
        "serve_ms": serve_ms,
        "sizes": sizes,
        "weasyprint": weasyprint.__version__,
        "harfbuzz_subset": harfbuzz_subset_available(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=30, help="timed renders and serves")
    parser.add_argument("--cold", type=int, default=3, help="fresh processes")
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine()}
    print(f"cold start: {args.cold} fresh processes ...", flush=True)
    cold = cold_starts(args.cold)
    print(f"warm: {args.reps} renders and {args.reps} serves, alternating ...", flush=True)
    found = warm(args.reps)

    render = statistics.median(found["render_ms"])
    serve = statistics.median(found["serve_ms"])
    ratio = serve / render
    first = statistics.median(run["first_ms"] for run in cold)
    second = statistics.median(run["second_ms"] for run in cold)
    size_kb = found["sizes"]["4x6"] / 1024
    results.update(
        {
            "weasyprint": found["weasyprint"],
            "harfbuzz_subset": found["harfbuzz_subset"],
            "repetitions": args.reps,
            "warm_render_median_ms": round(render, 1),
            "warm_render_min_ms": round(min(found["render_ms"]), 1),
            "warm_render_cpu_median_ms": round(statistics.median(found["render_cpu_ms"]), 1),
            "serve_median_ms": round(serve, 2),
            "serve_render_ratio": round(ratio, 3),
            "pdf_bytes": found["sizes"],
            "cold_first_render_median_ms": round(first, 1),
            "cold_second_render_median_ms": round(second, 1),
            "cold_runs": cold,
            "goals": {
                "warm_render_ms": GOAL_RENDER_MS,
                "serve_render_ratio": GOAL_SERVE_RATIO,
                "pdf_kb": GOAL_SIZE_KB,
            },
            "all_render_ms": [round(t, 1) for t in found["render_ms"]],
            "all_serve_ms": [round(t, 2) for t in found["serve_ms"]],
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "label_pdf.json").write_text(json.dumps(results, indent=2) + "\n")

    def met(ok: bool) -> str:
        return "met" if ok else "NOT MET"

    m = results["machine"]
    print(f"\nmachine: nproc={m['nproc']}  cpu={m['cpu_model']}  python={m['python']}  "
          f"loadavg={m['loadavg_at_start']}  weasyprint={found['weasyprint']}  "
          f"harfbuzz-subset={found['harfbuzz_subset']}")  # fmt: skip
    rows = [
        ("warm render (median)", f"{render:.1f} ms", f"<= {GOAL_RENDER_MS:g} ms",
         met(render <= GOAL_RENDER_MS)),
        ("warm render, CPU time of the process",
         f"{statistics.median(found['render_cpu_ms']):.1f} ms", "(less load-sensitive)", ""),
        ("serve stored copy (GET, median)", f"{serve:.2f} ms",
         f"<= {GOAL_SERVE_RATIO:g}x render", f"{ratio:.3f}x: {met(ratio <= GOAL_SERVE_RATIO)}"),
        ("PDF size, Latin script, 4x6", f"{size_kb:.1f} KB", f"<= {GOAL_SIZE_KB:g} KB",
         met(size_kb <= GOAL_SIZE_KB)),
        ("PDF size, same, A4", f"{found['sizes']['A4'] / 1024:.1f} KB", "", ""),
        ("cold: first render, import included", f"{first:.0f} ms", "(reported)", ""),
        ("cold: second render, same process", f"{second:.0f} ms", "", ""),
    ]  # fmt: skip
    head = f"{'measurement':<38} {'figure':>10}  {'goal':<18} result"
    print(head)
    print("-" * len(head))
    for name, figure, goal, result in rows:
        print(f"{name:<38} {figure:>10}  {goal:<18} {result}")
    print(f"\nwrote {RESULTS / 'label_pdf.json'} in {results['seconds']} s")


if __name__ == "__main__":
    main()
