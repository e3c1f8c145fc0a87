"""Dashboard benchmark: ``/returns/admin/dashboard`` at 10,000 and 1,000,000 returns.

Run from the repo root:  .venv/bin/python benchmarks/dashboard.py [--small N] [--large N]
Prints a table and writes benchmarks/results/dashboard.json.

The history is the admin-queue generator's (``admin_queue.fill``: a throwaway
PostgreSQL cluster, two databases, returns over three years with ~1.5 lines and
~4 events each), plus what the dashboard reads and that generator leaves out:

- ``returns_line.requested_at``, filled as migration 0004 fills it for lines
  written before it (the generator's set-based INSERT bypasses the ORM hook);
- one succeeded refund per refunded return (the lines' value, made when the
  return was refunded, rows in time order as a live shop writes them) and a
  failed earlier attempt for 1 in 50;
- ``resolution = 'exchange'`` on a quarter of the received returns.

Then ``VACUUM ANALYZE``. Each page is requested with the Flask test client on a
``tests/hosts.py`` host whose adapter reports units sold (a fixed dict), alternately
on the small and the large database; medians are compared, and every SELECT of one
request per page is run again under ``EXPLAIN (ANALYZE, BUFFERS)`` at 1M.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

import sqlalchemy as sa  # noqa: E402
from admin_queue import SqlRecorder, create_database, explain_all, fill  # noqa: E402
from customer_flow import Postgres, machine  # noqa: E402

WARMUP = 3
REPS = 15
GOAL_MS = 500.0
GOAL_PAGE = "90 days"

PAGES = {
    "90 days": "/returns/admin/dashboard?days=90",
    "30 days (default)": "/returns/admin/dashboard",
    "365 days": "/returns/admin/dashboard?days=365",
    "90 days, EUR only": "/returns/admin/dashboard?days=90&currency=EUR",
}

LINE_INDEX = "ix_returns_line_requested_insights"
REFUND_TABLE_INDEXES = """
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid = 'returns_refund'::regclass
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
"""
BACKFILL_SQL = """
    UPDATE returns_line l SET requested_at = r.created_at
    FROM returns_request r WHERE r.id = l.return_id
"""
REFUNDS_SQL = """
    INSERT INTO returns_refund (return_id, attempt, amount, currency, status,
        idempotency_key, stripe_refund_id, failure_reason, note, created_by,
        created_at, updated_at)
    SELECT id, attempt, amount, currency, status, 'bench-' || id || '-' || attempt,
           CASE WHEN status = 'succeeded' THEN 're_bench_' || id END,
           CASE WHEN status = 'failed' THEN 'card_declined' ELSE '' END,
           '', 'admin-1', at, at
    FROM (
        SELECT r.id, r.currency, v.value AS amount, a.attempt, a.status,
               r.refunded_at - a.before * interval '1 hour' AS at
        FROM returns_request r
        JOIN (SELECT return_id, sum(unit_amount * quantity_requested) AS value
              FROM returns_line GROUP BY return_id) v ON v.return_id = r.id
        CROSS JOIN LATERAL (VALUES (1, 'failed', 2), (2, 'succeeded', 0))
            AS a(attempt, status, before)
        WHERE r.status = 'refunded' AND (a.attempt = 2 OR r.id %% 50 = 0)
    ) AS x
    ORDER BY at, id
"""
EXCHANGE_SQL = """
    UPDATE returns_request SET resolution = 'exchange'
    WHERE status = 'received' AND id %% 4 = 0
"""


def complete(url: str) -> dict[str, float]:
    """What the dashboard reads beyond the queue generator's rows; timings in s."""
    engine = sa.create_engine(url)
    timings: dict[str, float] = {}
    try:
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            line_index = conn.scalar(sa.text(f"SELECT pg_get_indexdef('{LINE_INDEX}'::regclass)"))
            conn.exec_driver_sql(f"DROP INDEX {LINE_INDEX}")
            conn.exec_driver_sql(BACKFILL_SQL)
        timings["backfill_requested_at_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # The UPDATE left a dead copy of every line: rewrite as a fresh load would be.
            conn.exec_driver_sql("SET maintenance_work_mem = '256MB'")
            conn.exec_driver_sql("VACUUM FULL returns_line")
            conn.exec_driver_sql(line_index)
        timings["rewrite_lines_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
            indexes = conn.execute(sa.text(REFUND_TABLE_INDEXES)).all()
            for name, _definition in indexes:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
            conn.exec_driver_sql(REFUNDS_SQL)
            for _name, definition in indexes:
                conn.exec_driver_sql(definition)
            conn.exec_driver_sql(EXCHANGE_SQL)
        timings["refunds_and_exchanges_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE returns_request, returns_line, returns_refund")
        timings["vacuum_analyze_s"] = time.perf_counter() - start
    finally:
        engine.dispose()
    return {k: round(v, 1) for k, v in timings.items()}


def counts(url: str) -> dict[str, Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found: dict[str, Any] = {
                t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                for t in ("returns_request", "returns_line", "returns_refund")
            }
            found["returns_last_90_days"] = conn.scalar(
                sa.text(
                    "SELECT count(*) FROM returns_request "
                    "WHERE created_at >= now() at time zone 'utc' - interval '90 days'"
                )
            )
            found["lines_without_requested_at"] = conn.scalar(
                sa.text("SELECT count(*) FROM returns_line WHERE requested_at IS NULL")
            )
            found["database_size"] = conn.scalar(
                sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            )
    finally:
        engine.dispose()
    return found


class ClusterCpu:
    """CPU seconds used by the whole PostgreSQL cluster: every live process, plus
    what exited ones (parallel workers) left in the postmaster's children's times."""

    TICK = os.sysconf("SC_CLK_TCK")

    def __init__(self, data_dir: Path) -> None:
        self.postmaster = int((data_dir / "postmaster.pid").read_text().split()[0])

    @staticmethod
    def _fields(pid: int | str) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    def seconds(self) -> float:
        ticks = sum(int(x) for x in self._fields(self.postmaster)[11:15])
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = self._fields(entry.name)
            except OSError:
                continue
            if int(fields[1]) == self.postmaster:
                ticks += int(fields[11]) + int(fields[12])
        return ticks / self.TICK


class BenchOrders:
    """An order adapter that reports units sold (500 SKUs), at no cost of its own."""

    SOLD = {f"SKU-{i}": 2000 + 7 * i for i in range(1, 501)}

    def find_order(self, number: str, email: str) -> None:
        return None

    def get_order(self, reference: str) -> None:
        return None

    def units_sold(self, since: datetime, until: datetime) -> dict[str, int]:
        return self.SOLD


def make_app(url: str):
    from tests.hosts import make_host

    return make_host(
        url,
        BenchOrders(),  # type: ignore[arg-type]
        RETURNS_ADMIN_PERMISSION=lambda: True,
        RETURNS_ADMIN_IDENTITY=lambda: "bench",
    )


def which_statement(sql: str) -> str:
    if "percentile_cont" in sql or "count(*) FILTER" in sql:
        return "outcomes + medians"
    if "FROM returns_line" in sql:
        return "units by SKU, reason"
    if "FROM returns_refund" in sql:
        return "refund totals"
    if "UNION ALL" in sql:
        return "oldest open"
    return "other"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    results: dict[str, Any] = {"machine": machine(), "database": "PostgreSQL (throwaway cluster)"}
    sizes = {"small": args.small, "large": args.large}
    postgres = Postgres()
    apps: dict[str, Any] = {}
    try:
        postgres.start()
        with __import__("psycopg").connect(
            host="127.0.0.1", port=postgres.port, user="postgres", dbname="postgres"
        ) as conn:
            results["postgres"] = conn.execute("SHOW server_version").fetchone()[0]
        datasets = {}
        for key, n in sizes.items():
            print(f"filling {n:,} returns (admin_queue generator) ...", flush=True)
            url = create_database(postgres, f"dash_{key}")
            datasets[key] = fill(url, n)
            print(f"  {datasets[key]}", flush=True)
            print("  adding requested_at, refunds and exchanges ...", flush=True)
            datasets[key]["dashboard_fill"] = complete(url)
            datasets[key]["dashboard_rows"] = counts(url)
            print(f"  {datasets[key]['dashboard_fill']} {datasets[key]['dashboard_rows']}",
                  flush=True)  # fmt: skip
            apps[key] = make_app(url)
        results["datasets"] = datasets

        recorders, clients = {}, {}
        for key, app in apps.items():
            with app.app_context():
                recorders[key] = SqlRecorder(app.extensions["sqlalchemy"].engine)
            clients[key] = app.test_client()
        checks = {}
        for name, path in PAGES.items():
            for key in apps:
                response = clients[key].get(path)
                html = response.get_data(as_text=True)
                assert response.status_code == 200, (key, path, response.status_code)
                assert html.count("<svg") == 3, (key, path)
                checks[f"{key} {name}"] = len(html)
        results["page_bytes"] = checks

        print(f"timing {len(PAGES)} pages x {len(apps)} databases, {REPS} requests each ...",
              flush=True)  # fmt: skip
        times = {key: {name: [] for name in PAGES} for key in apps}
        sql_times = {key: {name: [] for name in PAGES} for key in apps}
        cpu_py = {key: {name: [] for name in PAGES} for key in apps}
        cpu_pg = {key: {name: [] for name in PAGES} for key in apps}
        cluster = ClusterCpu(postgres.data)
        for _ in range(WARMUP):
            for path in PAGES.values():
                for key in apps:
                    clients[key].get(path)
        for rep in range(REPS):
            for name, path in PAGES.items():
                order = list(apps) if rep % 2 == 0 else list(reversed(apps))
                for key in order:
                    recorders[key].sql_seconds = 0.0
                    pg0, py0 = cluster.seconds(), time.process_time()
                    start = time.perf_counter()
                    response = clients[key].get(path)
                    elapsed = time.perf_counter() - start
                    py1, pg1 = time.process_time(), cluster.seconds()
                    assert response.status_code == 200
                    times[key][name].append(elapsed * 1000)
                    sql_times[key][name].append(recorders[key].sql_seconds * 1000)
                    cpu_py[key][name].append((py1 - py0) * 1000)
                    cpu_pg[key][name].append((pg1 - pg0) * 1000)

        print("EXPLAIN (ANALYZE, BUFFERS) on the large database ...", flush=True)
        explains = {name: explain_all(apps["large"], recorders["large"], path, which_statement)
                    for name, path in PAGES.items()}  # fmt: skip
        results["loadavg_at_end"] = [round(x, 2) for x in __import__("os").getloadavg()]
    finally:
        for app in apps.values():
            with app.app_context():
                app.extensions["sqlalchemy"].engine.dispose()
        postgres.stop()

    table = []
    for name, path in PAGES.items():
        small = statistics.median(times["small"][name])
        large = statistics.median(times["large"][name])
        table.append(
            {
                "page": name,
                "path": path,
                "small_ms": round(small, 1),
                "large_ms": round(large, 1),
                "small_sql_ms": round(statistics.median(sql_times["small"][name]), 1),
                "large_sql_ms": round(statistics.median(sql_times["large"][name]), 1),
                "ratio_large_small": round(large / small, 2),
                "large_cpu_python_ms": round(statistics.median(cpu_py["large"][name]), 1),
                "large_cpu_postgres_ms": round(statistics.median(cpu_pg["large"][name]), 1),
                "small_cpu_python_ms": round(statistics.median(cpu_py["small"][name]), 1),
                "small_cpu_postgres_ms": round(statistics.median(cpu_pg["small"][name]), 1),
                "goal_ms_met": large <= GOAL_MS if name == GOAL_PAGE else None,
                "all_ms": {k: [round(t, 1) for t in times[k][name]] for k in apps},
            }
        )
    results.update(
        {
            "sizes": sizes,
            "warmup": WARMUP,
            "repetitions": REPS,
            "goal": f"'{GOAL_PAGE}' page median <= {GOAL_MS:g} ms at {sizes['large']:,} returns",
            "pages": table,
            "explain_large": explains,
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "dashboard.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    report(results, sizes, table, explains, out)


def report(results, sizes, table, explains, out: Path) -> None:
    m = results["machine"]
    print(f"\nmachine: nproc={m['nproc']}  cpu={m['cpu_model']}  python={m['python']}  "
          f"loadavg start={m['loadavg_at_start']} end={results['loadavg_at_end']}  "
          f"postgres={results['postgres']}")  # fmt: skip
    for key, d in results["datasets"].items():
        rows = d["dashboard_rows"]
        print(f"{key}: {d['returns']:,} returns ({rows['returns_last_90_days']:,} in the last "
              f"90 days), {rows['returns_line']:,} lines, {rows['returns_refund']:,} refunds, "
              f"{rows['database_size']}; generator {d['insert_s']} s + "
              f"{d['indexes_and_keys_s']} s, ours {d['dashboard_fill']}")  # fmt: skip
    s, lg = f"{sizes['small']:,}", f"{sizes['large']:,}"
    print(f"\nmedian of {REPS} requests (Flask test client, in-process); SQL = time inside "
          "cursor.execute")  # fmt: skip
    print("CPU = CPU time the request used at 1M: this process (Flask, templates) + the "
          "whole PostgreSQL cluster (parallel workers included); 10 ms clock ticks")  # fmt: skip
    head = (f"{'page':<20} {s + ' ms':>10} {lg + ' ms':>13} {'ratio':>6} "
            f"{'SQL ' + s:>11} {'SQL ' + lg:>13} {'CPU py+pg ' + lg:>22}  "
            f"goal <= {GOAL_MS:g} ms")  # fmt: skip
    print(head)
    print("-" * len(head))
    for row in table:
        met = {True: "yes", False: "NO", None: ""}[row["goal_ms_met"]]
        cpu = f"{row['large_cpu_python_ms']:g} + {row['large_cpu_postgres_ms']:g}"
        print(f"{row['page']:<20} {row['small_ms']:>10} {row['large_ms']:>13} "
              f"{row['ratio_large_small']:>6} {row['small_sql_ms']:>11} "
              f"{row['large_sql_ms']:>13} {cpu:>22}  {met}")  # fmt: skip
    print(f"\nEXPLAIN (ANALYZE, BUFFERS) at {lg} returns, per statement of one request:")
    for name, statements in explains.items():
        print(f"  {name}:")
        for st in statements:
            print(f"    {st['statement']:<22} {st['execution_ms']:>9} ms  "
                  f"buffers {st['top_buffers']}"
                  f"  rows removed by filter {st['rows_removed']}")  # fmt: skip
            print(f"      {st['top_node']}")
            print(f"      scans: {'; '.join(st['scans'])}")
    print(f"\nwrote {out.relative_to(ROOT)} in {results['seconds']} s")


if __name__ == "__main__":
    main()
