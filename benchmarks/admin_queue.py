"""Admin-queue benchmark: the queue page at 10,000 and at 1,000,000 returns.

Run from the repo root:  .venv/bin/python benchmarks/admin_queue.py [--small N] [--large N]
Prints a table and writes benchmarks/results/admin_queue.json.

A throwaway PostgreSQL cluster (as in customer_flow.py) holds two databases, each
migrated with ``flask_returns.schema.upgrade`` and filled with set-based SQL
(``INSERT ... SELECT generate_series``): returns, their lines (~1.5 each) and their
events, then ``VACUUM ANALYZE``. Each page of ``/returns/admin/`` is requested with
the Flask test client, in-process, alternately on the small and the large database,
and the medians are compared. The SQL of one request per page is captured and run
again under ``EXPLAIN (ANALYZE, BUFFERS)`` on the large database.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

import sqlalchemy as sa  # noqa: E402
from customer_flow import Postgres, machine  # noqa: E402

WARMUP = 5
REPS = 30
GOAL_MS = 30.0
GOAL_RATIO = 2.0

PAGES = {
    "first page (open statuses)": "/returns/admin/",
    "status=received&currency=EUR": "/returns/admin/?status=received&currency=EUR",
    "reason=damaged": "/returns/admin/?reason=damaged",
    "q=<e-mail>": "/returns/admin/?q={email}",
}

REASONS = (
    "damaged", "defective", "wrong_item", "not_as_described",
    "size_fit", "changed_mind", "arrived_late", "other",
)  # fmt: skip

# Status mix: about 5 % open (requested/authorized/received, all from the last 60
# days, as a working shop closes old returns), the rest closed over three years.
FILL_SQL = [
    "SELECT setseed(0.4242)",
    """
    INSERT INTO returns_request (
        id, rma, order_reference, order_number, customer_email, customer_name,
        customer_locale, currency, status, resolution, access_key, customer_comment,
        authorization_note, rejection_reason, created_at, updated_at,
        authorized_at, rejected_at, cancelled_at, received_at, refunded_at)
    SELECT i, rma, 'ord-' || o, o::text, 'customer' || c || '@example.com',
           'Customer ' || c, CASE WHEN c % 3 = 0 THEN 'pl' ELSE 'en' END, cur, st,
           'refund', md5(i::text), '', '',
           CASE WHEN st = 'rejected' THEN 'Outside policy' ELSE '' END,
           created, created + interval '6 days',
           CASE WHEN st IN ('authorized','received','refunded') THEN created + interval '1 day' END,
           CASE WHEN st = 'rejected' THEN created + interval '1 day' END,
           CASE WHEN st = 'cancelled' THEN created + interval '2 days' END,
           CASE WHEN st IN ('received','refunded') THEN created + interval '5 days' END,
           CASE WHEN st = 'refunded' THEN created + interval '6 days' END
    FROM (
        SELECT i,
               'R-' || upper(substr(lpad(to_hex(i), 8, '0'), 1, 4)) || '-'
                    || upper(substr(lpad(to_hex(i), 8, '0'), 5, 4)) AS rma,
               100000 + i AS o,
               (random() * (:n / 3))::int AS c,
               (ARRAY['EUR','EUR','EUR','PLN','PLN','USD','USD','JPY'])
                   [1 + floor(random() * 8)::int] AS cur,
               s.st,
               CASE WHEN s.st IN ('requested','authorized','received')
                    THEN now() at time zone 'utc' - random() * interval '60 days'
                    ELSE now() at time zone 'utc' - interval '20 days'
                         - random() * interval '1075 days' END AS created
        FROM generate_series(1, :n) AS i
        CROSS JOIN LATERAL (
            SELECT CASE WHEN u < 0.02 THEN 'requested'
                        WHEN u < 0.035 THEN 'authorized'
                        WHEN u < 0.05 THEN 'received'
                        WHEN u < 0.72 THEN 'refunded'
                        WHEN u < 0.82 THEN 'rejected'
                        ELSE 'cancelled' END AS st
            FROM (SELECT random() + i * 0 AS u) AS r
        ) AS s
    ) AS g
    """,
    "SELECT setval(pg_get_serial_sequence('returns_request', 'id'), :n)",
    """
    INSERT INTO returns_line (
        return_id, order_line_reference, sku, name, unit_amount, quantity_requested,
        quantity_authorized, quantity_received, reason, comment, condition, resellable)
    SELECT r.id, 'L' || k, 'SKU-' || (1 + (r.id * 7 + k) % 500),
           'Item ' || (1 + (r.id * 7 + k) % 500),
           CASE WHEN r.currency = 'JPY' THEN 500 + (random() * 20000)::int
                ELSE 199 + (random() * 15000)::int END,
           q.qty,
           CASE WHEN r.status IN ('authorized','received','refunded') THEN q.qty END,
           CASE WHEN r.status IN ('received','refunded') THEN q.qty END,
           (ARRAY['damaged','defective','wrong_item','not_as_described','size_fit',
                  'changed_mind','arrived_late','other'])[1 + floor(random() * 8)::int],
           '',
           CASE WHEN r.status IN ('received','refunded') THEN 'as_new' END,
           CASE WHEN r.status IN ('received','refunded') THEN true END
    FROM returns_request r
    CROSS JOIN LATERAL
        generate_series(1, CASE WHEN random() + r.id * 0 < 0.5 THEN 1 ELSE 2 END) AS k
    CROSS JOIN LATERAL (SELECT 1 + (random() * 2 + k * 0)::int AS qty) AS q
    """,
    """
    INSERT INTO returns_event (return_id, created_at, actor_kind, actor_id, action,
                               from_status, to_status, details)
    SELECT r.id, r.created_at + p.after_days * interval '1 day', p.kind,
           CASE WHEN p.kind = 'customer' THEN r.customer_email ELSE 'admin-1' END,
           p.action, p.from_status, p.to_status, '{}'::json
    FROM returns_request r
    JOIN (VALUES
        ('requested', 0, 'customer', 'requested', NULL, 'requested'),
        ('authorized', 0, 'customer', 'requested', NULL, 'requested'),
        ('authorized', 1, 'admin', 'authorized', 'requested', 'authorized'),
        ('received', 0, 'customer', 'requested', NULL, 'requested'),
        ('received', 1, 'admin', 'authorized', 'requested', 'authorized'),
        ('received', 5, 'admin', 'received', 'authorized', 'received'),
        ('refunded', 0, 'customer', 'requested', NULL, 'requested'),
        ('refunded', 1, 'admin', 'authorized', 'requested', 'authorized'),
        ('refunded', 5, 'admin', 'received', 'authorized', 'received'),
        ('refunded', 6, 'stripe', 'refund_succeeded', NULL, NULL),
        ('refunded', 6, 'stripe', 'refunded', 'received', 'refunded'),
        ('rejected', 0, 'customer', 'requested', NULL, 'requested'),
        ('rejected', 1, 'admin', 'rejected', 'requested', 'rejected'),
        ('cancelled', 0, 'customer', 'requested', NULL, 'requested'),
        ('cancelled', 2, 'customer', 'cancelled', 'requested', 'cancelled')
    ) AS p(status, after_days, kind, action, from_status, to_status) ON p.status = r.status
    ORDER BY r.id, p.after_days
    """,
]


TABLES = "('returns_request', 'returns_line', 'returns_event')"
FKEYS_SQL = f"""
    SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
    FROM pg_constraint
    WHERE contype = 'f' AND conrelid::regclass::text IN {TABLES}
    ORDER BY 1, 2
"""
INDEXES_SQL = f"""
    SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
    FROM pg_index i
    WHERE i.indrelid::regclass::text IN {TABLES}
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY 1
"""


def create_database(postgres: Postgres, name: str) -> str:
    import psycopg

    with psycopg.connect(
        host="127.0.0.1", port=postgres.port, user="postgres", dbname="postgres", autocommit=True
    ) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgresql+psycopg://postgres@127.0.0.1:{postgres.port}/{name}"


def fill(url: str, n: int) -> dict[str, Any]:
    """Migrate, then fill with ``n`` returns in set-based SQL; timings and row counts."""
    from flask_returns import schema

    engine = sa.create_engine(url)
    timings: dict[str, float] = {}
    try:
        start = time.perf_counter()
        schema.upgrade(engine)
        timings["migrate_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
            conn.exec_driver_sql("SET LOCAL work_mem = '64MB'")
            # Bulk load as a restore does: foreign keys and secondary indexes are
            # dropped, the rows inserted, then the very same definitions put back
            # (read from the catalog, so the schema ends exactly as migrated).
            fkeys = conn.execute(sa.text(FKEYS_SQL)).all()
            indexes = conn.execute(sa.text(INDEXES_SQL)).all()
            for table, name, _definition in fkeys:
                conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                conn.exec_driver_sql(f'DROP INDEX "{name}"')
            for sql in FILL_SQL:
                conn.execute(sa.text(sql), {"n": n} if ":n" in sql else {})
            timings["insert_s"] = time.perf_counter() - start
            start = time.perf_counter()
            for _name, definition in indexes:
                conn.exec_driver_sql(definition)
            for table, name, definition in fkeys:
                conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        timings["indexes_and_keys_s"] = time.perf_counter() - start
        start = time.perf_counter()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE returns_request, returns_line, returns_event")
        timings["vacuum_analyze_s"] = time.perf_counter() - start
        with engine.connect() as conn:
            counts = {
                t: conn.scalar(sa.text(f"SELECT count(*) FROM {t}"))
                for t in ("returns_request", "returns_line", "returns_event")
            }
            by_status = dict(
                conn.execute(
                    sa.text("SELECT status, count(*) FROM returns_request GROUP BY 1 ORDER BY 1")
                ).all()
            )
            size = conn.scalar(
                sa.text("SELECT pg_size_pretty(pg_database_size(current_database()))")
            )
            email = conn.scalar(
                sa.text(
                    "SELECT customer_email FROM returns_request "
                    "WHERE status IN ('requested','authorized','received') "
                    "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
                )
            )
    finally:
        engine.dispose()
    return {
        "returns": n,
        "rows": counts,
        "by_status": by_status,
        "database_size": size,
        "sample_email": email,
        **{k: round(v, 1) for k, v in timings.items()},
    }


def make_app(url: str):
    from tests.hosts import make_host

    return make_host(
        url,
        RETURNS_ADMIN_PERMISSION=lambda: True,
        RETURNS_ADMIN_IDENTITY=lambda: "bench",
    )


class SqlRecorder:
    """Every statement of a request (with its parameters) and the time spent in SQL."""

    def __init__(self, engine: sa.Engine) -> None:
        self.capture = False
        self.statements: list[tuple[str, Any]] = []
        self.sql_seconds = 0.0
        self._t0 = 0.0
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.capture:
            self.statements.append((statement, parameters))
        self._t0 = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.sql_seconds += time.perf_counter() - self._t0


def which_statement(sql: str) -> str:
    if "count(*)" in sql and "GROUP BY" in sql:
        return "status counts"
    if (
        "FROM returns_line" in sql
        and "IN (" in sql
        and "returns_request" not in sql.split("FROM")[1]
    ):
        return "lines (selectinload)"
    if "returns_request" in sql and "LIMIT" in sql:
        return "queue page"
    return "other"


def summarize_plan(lines: list[str]) -> dict[str, Any]:
    text = "\n".join(lines)
    execution = re.search(r"Execution Time: ([\d.]+) ms", text)
    planning = re.search(r"Planning Time: ([\d.]+) ms", text)
    top_buffers = re.search(r"Buffers: ([^\n]+)", text)
    scans = sorted(
        set(re.findall(r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan|Bitmap Heap Scan|"
                       r"Bitmap Index Scan)(?: using \w+)? on \w+)", text))
    )  # fmt: skip
    return {
        "execution_ms": float(execution.group(1)) if execution else None,
        "planning_ms": float(planning.group(1)) if planning else None,
        "top_node": lines[0].strip() if lines else "",
        "top_buffers": top_buffers.group(1) if top_buffers else "",
        "scans": scans,
        "rows_removed": sum(int(x) for x in re.findall(r"Rows Removed by Filter: (\d+)", text)),
    }


def explain_all(
    app, recorder: SqlRecorder, path: str, name_of: Callable[[str], str] | None = None
) -> list[dict[str, Any]]:
    """One request with SQL capture on; each captured SELECT under EXPLAIN ANALYZE.

    ``name_of`` labels each statement (another benchmark passes its own).
    """
    name_of = name_of or which_statement
    client = app.test_client()
    recorder.statements = []
    recorder.capture = True
    try:
        response = client.get(path)
    finally:
        recorder.capture = False
    assert response.status_code == 200, response.status_code
    out = []
    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
        with engine.connect() as conn:
            for statement, params in recorder.statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params).all()
                plan = [r[0] for r in rows]
                out.append(
                    {
                        "statement": name_of(statement),
                        "sql": statement,
                        "parameters": {k: str(v) for k, v in dict(params).items()}
                        if isinstance(params, dict)
                        else [str(v) for v in params],
                        "plan": plan,
                        **summarize_plan(plan),
                    }
                )
    return out


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
            print(f"filling {n:,} returns ...", flush=True)
            url = create_database(postgres, f"bench_{key}")
            datasets[key] = fill(url, n)
            print(f"  {datasets[key]}", flush=True)
            apps[key] = make_app(url)
        results["datasets"] = datasets

        recorders = {}
        clients = {}
        for key, app in apps.items():
            with app.app_context():
                recorders[key] = SqlRecorder(app.extensions["sqlalchemy"].engine)
            clients[key] = app.test_client()
        # Each database is searched for an e-mail it holds (its busiest open customer).
        paths = {
            key: {name: p.format(email=datasets[key]["sample_email"]) for name, p in PAGES.items()}
            for key in apps
        }
        pages = paths["large"]
        # Sanity: each page answers 200 and lists rows (the e-mail search lists few).
        checks = {}
        for name in pages:
            for key in apps:
                path = paths[key][name]
                response = clients[key].get(path)
                html = response.get_data(as_text=True)
                assert response.status_code == 200, (key, path, response.status_code)
                checks[f"{key} {name}"] = html.count('name="rma"')
        results["rows_on_page"] = checks

        print(f"timing {len(pages)} pages x {len(apps)} databases, {REPS} requests each ...",
              flush=True)  # fmt: skip
        times = {key: {name: [] for name in pages} for key in apps}
        sql_times = {key: {name: [] for name in pages} for key in apps}
        for _ in range(WARMUP):
            for name in pages:
                for key in apps:
                    clients[key].get(paths[key][name])
        for rep in range(REPS):
            for name in pages:
                order = list(apps) if rep % 2 == 0 else list(reversed(apps))
                for key in order:
                    recorders[key].sql_seconds = 0.0
                    start = time.perf_counter()
                    response = clients[key].get(paths[key][name])
                    elapsed = time.perf_counter() - start
                    assert response.status_code == 200
                    times[key][name].append(elapsed * 1000)
                    sql_times[key][name].append(recorders[key].sql_seconds * 1000)

        print("EXPLAIN (ANALYZE, BUFFERS) on the large database ...", flush=True)
        explains = {name: explain_all(apps["large"], recorders["large"], path)
                    for name, path in pages.items()}  # fmt: skip
    finally:
        for app in apps.values():
            with app.app_context():
                app.extensions["sqlalchemy"].engine.dispose()
        postgres.stop()

    table = []
    for name, path in pages.items():
        small = statistics.median(times["small"][name])
        large = statistics.median(times["large"][name])
        ratio = large / small
        table.append(
            {
                "page": name,
                "path": path,
                "small_ms": round(small, 2),
                "large_ms": round(large, 2),
                "small_sql_ms": round(statistics.median(sql_times["small"][name]), 2),
                "large_sql_ms": round(statistics.median(sql_times["large"][name]), 2),
                "ratio_large_small": round(ratio, 2),
                "goal_ms_met": large <= GOAL_MS,
                "goal_ratio_met": ratio <= GOAL_RATIO,
                "all_ms": {k: [round(t, 2) for t in times[k][name]] for k in apps},
            }
        )
    results.update(
        {
            "sizes": sizes,
            "warmup": WARMUP,
            "repetitions": REPS,
            "goal": f"large median <= {GOAL_MS:g} ms and <= {GOAL_RATIO:g}x small median",
            "pages": table,
            "explain_large": explains,
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "admin_queue.json"
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")

    m = results["machine"]
    print(f"\nmachine: nproc={m['nproc']}  cpu={m['cpu_model']}  python={m['python']}  "
          f"loadavg={m['loadavg_at_start']}  postgres={results['postgres']}")  # fmt: skip
    for key, d in results["datasets"].items():
        print(f"{key}: {d['returns']:,} returns, {d['rows']['returns_line']:,} lines, "
              f"{d['rows']['returns_event']:,} events, {d['database_size']}; "
              f"insert {d['insert_s']} s, indexes+keys {d['indexes_and_keys_s']} s, "
              f"vacuum analyze {d['vacuum_analyze_s']} s; "
              f"by status {d['by_status']}")  # fmt: skip
    s, lg = f"{sizes['small']:,}", f"{sizes['large']:,}"
    print(f"\nmedian of {REPS} requests (Flask test client, in-process); SQL = time inside "
          "cursor.execute")  # fmt: skip
    head = (f"{'page':<30} {s + ' ms':>10} {lg + ' ms':>13} {'ratio':>6} "
            f"{'SQL ' + s:>11} {'SQL ' + lg:>13}  "
            f"goal <= {GOAL_MS:g} ms / <= {GOAL_RATIO:g}x")  # fmt: skip
    print(head)
    print("-" * len(head))
    for row in table:
        met = (
            ("yes" if row["goal_ms_met"] else "NO")
            + " / "
            + ("yes" if row["goal_ratio_met"] else "NO")
        )
        print(f"{row['page']:<30} {row['small_ms']:>10} {row['large_ms']:>13} "
              f"{row['ratio_large_small']:>6} {row['small_sql_ms']:>11} {row['large_sql_ms']:>13}  "
              f"{met}")  # fmt: skip
    print(f"\nrows on page: {results['rows_on_page']}")
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
