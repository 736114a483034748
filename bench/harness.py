"""How bench/run.py measures: a case, its timed requests, and the table of results.

Shared by the areas' case builders (run.py, monitoring.py); no Django import at load
time, so a builder module can be imported before Django is set up.
"""

import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One kind of request; `send` makes one request with the client (and a random source).

    `prepare(client)`, if given, runs once before the case is measured (untimed, its
    queries not counted): data the requests need, such as a checkout to replay.
    """

    name: str
    send: Callable  # (client, rng) -> HttpResponse
    expected_status: int = 200
    prepare: Callable | None = None  # (client) -> None


@dataclass(frozen=True)
class Result:
    case: Case
    median_ms: float
    p95_ms: float
    p99_ms: float
    per_second: float
    queries: int
    results: str


def get(name: str, path: Callable[[random.Random], str] | str, **kwargs) -> Case:
    """A GET case; `path` may depend on the random source (random ids).

    `kwargs` go to the Case (`prepare`), or are headers when they start with HTTP_.
    """
    headers = {key: value for key, value in kwargs.items() if key.startswith("HTTP_")}
    options = {key: value for key, value in kwargs.items() if key not in headers}

    def send(client, rng):
        url = path(rng) if callable(path) else path
        return client.get(url, HTTP_ACCEPT="application/json", **headers)

    return Case(name=name, send=send, **options)


def measure(client, case: Case, rng: random.Random, iterations: int, warmup: int) -> Result:
    from django.db import connection, reset_queries

    if case.prepare is not None:
        case.prepare(client)
    queries = []  # counted by a wrapper: the request itself resets connection.queries

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = case.send(client, rng)
    if response.status_code != case.expected_status:
        raise SystemExit(f"{case.name}: HTTP {response.status_code}: {response.content[:300]!r}")
    body = (
        response.json() if response.get("Content-Type", "").startswith("application/json") else {}
    )
    results = str(body["count"]) if isinstance(body, dict) and "count" in body else ""
    if isinstance(body, dict) and "count" not in body and isinstance(body.get("results"), list):
        results = str(len(body["results"]))  # an answer that is not paginated
    for _ in range(warmup):
        case.send(client, rng)
    timings = []
    for _ in range(iterations):
        started = time.perf_counter()
        response = case.send(client, rng)
        timings.append(time.perf_counter() - started)
        reset_queries()
        if response.status_code != case.expected_status:
            raise SystemExit(f"{case.name}: HTTP {response.status_code} while timing")
    timings.sort()
    return Result(
        case=case,
        median_ms=statistics.median(timings) * 1000,
        p95_ms=percentile(timings, 0.95) * 1000,
        p99_ms=percentile(timings, 0.99) * 1000,
        per_second=len(timings) / sum(timings),
        queries=len(queries),
        results=results,
    )


def percentile(ordered: list[float], fraction: float) -> float:
    """The value below which `fraction` of the sorted timings lie (nearest rank)."""
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def table(results: list[Result]) -> str:
    baseline = results[0].median_ms
    header = (
        f"{'case':<48} {'median ms':>9} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>7} "
        f"{'× base':>7} {'queries':>7} {'results':>8}"
    )
    lines = [header, "-" * len(header)]
    for result in results:
        lines.append(
            f"{result.case.name:<48} {result.median_ms:>9.2f} {result.p95_ms:>8.2f} "
            f"{result.p99_ms:>8.2f} {result.per_second:>7.0f} "
            f"{result.median_ms / baseline:>7.1f} {result.queries:>7} {result.results:>8}"
        )
    return "\n".join(lines)


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()
