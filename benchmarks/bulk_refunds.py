"""Bulk-refund benchmark: our refunds against the bare SDK call, on the local Stripe server.

Run from the repo root:
  .venv/bin/python benchmarks/bulk_refunds.py [--n 1000] [--blocks 10] [--workers 4]
Prints a table and writes benchmarks/results/bulk_refunds.json.

Database: PostgreSQL (a throwaway cluster, as in customer_flow.py). Stripe: localstripe
through ``example_shop.local_stripe.LocalStripeServer``, on 127.0.0.1.

Before any timing, 3 x N PaymentIntents are paid at the local server, and 2 x N
returns (one order each, one line, quantity 1, payment_reference = its PaymentIntent)
are requested, authorized and marked received through ``flask_returns.workflow``.
Then, in blocks whose order rotates (localstripe slows down as its store grows):

- bulk:   ``refund_returns(rmas, Actor.admin("bench"))``, what the admin's bulk refund
  runs: each return's proposal refunded in full, ``--workers`` returns at once;
- ours:   ``issue_refund(ret, amount, Actor.admin("bench"))`` for each return, one
  after the other (the cost of one refund's bookkeeping, nothing overlapped);
- direct: ``client.v1.refunds.create(params={"payment_intent": ..., "amount": ...})``
  in a loop, on one StripeClient built like flask_returns builds its own.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
RESULTS = BENCH / "results"
for p in (str(ROOT), str(BENCH)):
    if p not in sys.path:
        sys.path.insert(0, p)

import stripe  # noqa: E402
from customer_flow import Postgres, machine  # noqa: E402

API_KEY = "sk_test_bench_local"
AMOUNT = 1450  # EUR cents: one mug, no shipping
GOAL = 0.8


class StripeMeter:
    """Counts the SDK's HTTP requests, the time spent in them, and RequestsClients built.

    GETs (reads: the payment and its charge) are also counted apart from the rest.
    """

    def __init__(self) -> None:
        self.requests = 0
        self.seconds = 0.0
        self.clients = 0
        self.reads = 0
        self.read_seconds = 0.0
        self._counting = threading.Lock()  # bulk refunds call from several threads
        self._request = stripe.RequestsClient.request
        self._init = stripe.RequestsClient.__init__
        meter = self

        def request(client_self, method, *args, **kwargs):
            start = time.perf_counter()
            try:
                return meter._request(client_self, method, *args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                with meter._counting:
                    meter.requests += 1
                    meter.seconds += spent
                    if method.lower() == "get":
                        meter.reads += 1
                        meter.read_seconds += spent

        def init(client_self, *args, **kwargs):
            with meter._counting:
                meter.clients += 1
            meter._init(client_self, *args, **kwargs)

        stripe.RequestsClient.request = request  # type: ignore[method-assign]
        stripe.RequestsClient.__init__ = init  # type: ignore[method-assign]

    def snapshot(self) -> tuple[int, float, int, float]:
        return self.requests, self.seconds, self.clients, self.read_seconds

    def restore(self) -> None:
        stripe.RequestsClient.request = self._request  # type: ignore[method-assign]
        stripe.RequestsClient.__init__ = self._init  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--blocks", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    n, blocks, workers = args.n, args.blocks, args.workers
    block = n // blocks
    assert block * blocks == n, "--n must be a multiple of --blocks"

    from example_shop.local_stripe import LocalStripeServer, create_paid_payment_intent
    from flask_returns import OrderLine, schema
    from flask_returns.models import ReturnRequest
    from flask_returns.refunds import issue_refund, refund_returns
    from flask_returns.workflow import (
        Actor,
        LineReceipt,
        LineRequest,
        authorize_return,
        mark_received,
        request_return,
    )
    from tests.hosts import MemoryOrders, make_host, make_order

    started = time.perf_counter()
    results: dict[str, Any] = {
        "machine": machine(),
        "database": "PostgreSQL (throwaway cluster, fsync off)",
        "stripe": "localstripe via example_shop.local_stripe.LocalStripeServer",
        "stripe_sdk": stripe.VERSION,
        "n": n,
        "blocks": blocks,
        "bulk_workers": workers,
    }
    postgres = Postgres()
    server = LocalStripeServer()
    meter: StripeMeter | None = None
    try:
        url = postgres.start()
        server.start()
        orders = MemoryOrders()
        app = make_host(
            url,
            orders,
            RETURNS_STRIPE_API_KEY=API_KEY,
            RETURNS_STRIPE_API_BASE=server.api_base,
        )
        with app.app_context():
            schema.upgrade(app.extensions["sqlalchemy"].engine)

        # One client for set-up and for the direct loop, built as flask_returns builds its own.
        direct_client = stripe.StripeClient(
            API_KEY,
            base_addresses={"api": server.api_base},
            max_network_retries=2,
            http_client=stripe.RequestsClient(timeout=(10, 30)),
        )

        print(f"paying {3 * n} PaymentIntents at the local Stripe server ...", flush=True)
        start = time.perf_counter()
        ours_pis, direct_pis = [], []
        for _ in range(n):  # interleaved, so the sets are spread alike through the store
            ours_pis.append(create_paid_payment_intent(direct_client, AMOUNT, "EUR"))
            direct_pis.append(create_paid_payment_intent(direct_client, AMOUNT, "EUR"))
            ours_pis.append(create_paid_payment_intent(direct_client, AMOUNT, "EUR"))
        results["setup_payment_intents_s"] = round(time.perf_counter() - start, 1)

        print(f"making {2 * n} received returns ...", flush=True)
        start = time.perf_counter()
        admin = Actor.admin("bench")
        return_ids: list[int] = []
        rmas: list[str] = []
        with app.app_context():
            state = app.extensions["returns"]
            for i, pi in enumerate(ours_pis):
                order = dataclasses.replace(
                    make_order(
                        f"B{i:05d}",
                        currency="EUR",
                        email=f"buyer{i}@example.com",
                        lines=(OrderLine("L1", "MUG-1", "Stoneware mug", 1, AMOUNT, "EUR"),),
                    ),
                    payment_reference=pi,
                )
                orders.add(order)
                ret = request_return(
                    order,
                    [LineRequest("L1", 1, "changed_mind")],
                    Actor.customer(order.email),
                    locale="en",
                )
                state.session.flush()
                authorize_return(ret, admin)
                mark_received(ret, admin, [LineReceipt(line.id, 1) for line in ret.lines])
                state.session.commit()
                return_ids.append(ret.id)
                rmas.append(ret.rma)
            state.session.remove()
        results["setup_returns_s"] = round(time.perf_counter() - start, 1)

        meter = StripeMeter()
        per_block: dict[str, list[dict[str, Any]]] = {"bulk": [], "ours": [], "direct": []}
        # Even returns go to the sequential loop, odd ones to the bulk refund.
        seq_ids, bulk_rmas = return_ids[0::2], rmas[1::2]

        def run_bulk(chosen: list[str]) -> None:
            with app.app_context():
                outcome = refund_returns(chosen, admin, workers=workers)
            failed = {rma: why for rma, why in outcome.items() if why}
            if failed:
                raise RuntimeError(f"bulk refund failed: {failed}")

        def run_ours(ids: list[int]) -> None:
            with app.app_context():
                session = app.extensions["returns"].session
                for return_id in ids:
                    ret = session.get(ReturnRequest, return_id)
                    refund = issue_refund(ret, AMOUNT, admin)
                    if refund.status != "succeeded":
                        raise RuntimeError(f"refund {refund.id}: {refund.status}")
                session.remove()

        def run_direct(pis: list[str]) -> None:
            for pi in pis:
                refund = direct_client.v1.refunds.create(
                    params={"payment_intent": pi, "amount": AMOUNT}
                )
                if refund.status != "succeeded":
                    raise RuntimeError(f"refund {refund.id}: {refund.status}")

        print(f"refunding: {blocks} blocks of {block}, rotating bulk, ours and direct ...",
              flush=True)  # fmt: skip
        rotation = ("bulk", "ours", "direct")
        for b in range(blocks):
            part = slice(b * block, (b + 1) * block)
            work = {
                "bulk": lambda part=part: run_bulk(bulk_rmas[part]),
                "ours": lambda part=part: run_ours(seq_ids[part]),
                "direct": lambda part=part: run_direct(direct_pis[part]),
            }
            order = rotation[b % 3 :] + rotation[: b % 3]
            for name in order:
                req0, sec0, cli0, read0 = meter.snapshot()
                start = time.perf_counter()
                work[name]()
                elapsed = time.perf_counter() - start
                req1, sec1, cli1, read1 = meter.snapshot()
                per_block[name].append(
                    {
                        "block": b,
                        "seconds": round(elapsed, 3),
                        "refunds_per_s": round(block / elapsed, 2),
                        "stripe_requests": req1 - req0,
                        "stripe_seconds": round(sec1 - sec0, 3),
                        "stripe_read_seconds": round(read1 - read0, 3),
                        "stripe_clients_built": cli1 - cli0,
                    }
                )
            print(f"  block {b}: bulk {per_block['bulk'][-1]['refunds_per_s']}/s, "
                  f"ours {per_block['ours'][-1]['refunds_per_s']}/s, "
                  f"direct {per_block['direct'][-1]['refunds_per_s']}/s", flush=True)  # fmt: skip

        # Everything at the server: each PaymentIntent refunded once, to the cent.
        with app.app_context():
            import sqlalchemy as sa

            from flask_returns.models import Refund

            session = app.extensions["returns"].session
            ok = session.scalar(
                sa.select(sa.func.count()).where(
                    Refund.status == "succeeded", Refund.amount == AMOUNT
                )
            )
            refunded = session.scalar(
                sa.select(sa.func.count()).where(ReturnRequest.status == "refunded")
            )
            session.remove()
            app.extensions["sqlalchemy"].engine.dispose()
        results["check"] = {"succeeded_refund_rows": ok, "refunded_returns": refunded}
    finally:
        if meter is not None:
            meter.restore()
        server.stop()
        postgres.stop()

    summary: dict[str, Any] = {}
    for name, rows in per_block.items():
        total_s = sum(r["seconds"] for r in rows)
        summary[name] = {
            "refunds": n,
            "total_seconds": round(total_s, 2),
            "refunds_per_s": round(n / total_s, 2),
            "median_block_refunds_per_s": round(
                statistics.median(r["refunds_per_s"] for r in rows), 2
            ),
            "ms_per_refund": round(total_s / n * 1000, 2),
            "stripe_requests_per_refund": round(sum(r["stripe_requests"] for r in rows) / n, 2),
            "stripe_ms_per_refund": round(sum(r["stripe_seconds"] for r in rows) / n * 1000, 2),
            "stripe_read_ms_per_refund": round(
                sum(r["stripe_read_seconds"] for r in rows) / n * 1000, 2
            ),
            "other_ms_per_refund": round(
                (total_s - sum(r["stripe_seconds"] for r in rows)) / n * 1000, 2
            ),
            "stripe_clients_built_per_refund": round(
                sum(r["stripe_clients_built"] for r in rows) / n, 2
            ),
        }

    def ratio_to_direct(name: str) -> tuple[float, float]:
        totals = summary[name]["refunds_per_s"] / summary["direct"]["refunds_per_s"]
        blocks_ratio = statistics.median(
            o["refunds_per_s"] / d["refunds_per_s"]
            for o, d in zip(per_block[name], per_block["direct"], strict=True)
        )
        return round(totals, 3), round(blocks_ratio, 3)

    ratio, median_ratio = ratio_to_direct("bulk")
    seq_ratio, seq_median_ratio = ratio_to_direct("ours")
    ours_ms, direct_ms = summary["ours"]["ms_per_refund"], summary["direct"]["ms_per_refund"]
    results.update(
        {
            "summary": summary,
            "ratio_bulk_direct": ratio,
            "median_block_ratio_bulk_direct": median_ratio,
            "ratio_sequential_direct": seq_ratio,
            "median_block_ratio_sequential_direct": seq_median_ratio,
            "goal": f"bulk / direct >= {GOAL}",
            "goal_met": ratio >= GOAL,
            # One refund's cost beyond the direct call, nothing overlapped.
            "sequential_extra_ms_per_refund": round(ours_ms - direct_ms, 2),
            "blocks_detail": per_block,
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "bulk_refunds.json"
    out.write_text(json.dumps(results, indent=2) + "\n")

    m = results["machine"]
    print(f"\nmachine: nproc={m['nproc']}  cpu={m['cpu_model']}  python={m['python']}  "
          f"loadavg={m['loadavg_at_start']}  stripe SDK {results['stripe_sdk']}")  # fmt: skip
    print(f"database: {results['database']}; set-up: {3 * n} PaymentIntents in "
          f"{results['setup_payment_intents_s']} s, {2 * n} received returns in "
          f"{results['setup_returns_s']} s; check {results['check']}")  # fmt: skip
    head = (f"{'path':<44} {'refunds/s':>10} {'median blk':>10} {'ms/refund':>10} "
            f"{'Stripe req':>10} {'Stripe ms':>10} {'other ms':>9} {'clients':>8}")  # fmt: skip
    print(head)
    print("-" * len(head))
    labels = {
        "bulk": f"bulk: refund_returns, {workers} workers",
        "ours": "sequential: issue_refund loop",
        "direct": "direct: client.v1.refunds.create loop",
    }
    for name, s in summary.items():
        print(f"{labels[name]:<44} {s['refunds_per_s']:>10} {s['median_block_refunds_per_s']:>10} "
              f"{s['ms_per_refund']:>10} {s['stripe_requests_per_refund']:>10} "
              f"{s['stripe_ms_per_refund']:>10} {s['other_ms_per_refund']:>9} "
              f"{s['stripe_clients_built_per_refund']:>8}")  # fmt: skip
    met = "yes" if results["goal_met"] else "NO"
    print(
        f"\nratio bulk/direct (totals): {ratio}  (median of per-block ratios {median_ratio})"
        f"  goal >= {GOAL}: {met}"
    )
    print(
        f"ratio sequential/direct (totals): {seq_ratio}  "
        f"(median of per-block ratios {seq_median_ratio})"
    )
    print(
        "(per refund: Stripe req = SDK HTTP requests; clients = RequestsClients built, "
        "each with its own connection pool; in bulk the workers' Stripe times overlap, so "
        "Stripe ms can exceed ms/refund)"
    )
    o = summary["ours"]
    print(
        f"sequential beyond direct: {results['sequential_extra_ms_per_refund']} ms a refund: "
        f"reading the payment at Stripe {o['stripe_read_ms_per_refund']} ms, the refund "
        f"request {round(o['stripe_ms_per_refund'] - o['stripe_read_ms_per_refund'], 2)} ms "
        f"against {summary['direct']['stripe_ms_per_refund']} ms direct, our own work "
        f"{o['other_ms_per_refund']} ms"
    )
    print(f"\nwrote {out.relative_to(ROOT)} in {results['seconds']} s")


if __name__ == "__main__":
    main()
