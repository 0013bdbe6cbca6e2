"""Benchmark: CPU time per control-plane request of the embedded DynamoDB endpoint, by number of tables.

Run:  .venv/bin/python tests/bench/bench_local_endpoint.py [--sizes 100,1000,10000] [--requests 600]

For each size N, fills the endpoint with N tables (made directly in moto and registered with the control plane,
so the set-up is not itself O(N^2)), then sends a batch of requests through the endpoint's WSGI app in process
(no sockets, no boto3: only the endpoint's own work is timed) and prints the CPU time (time.process_time) per
request for DescribeTable, ListTagsOfResource and UpdateTable followed by the DescribeTable that settles it.
A fake clock moves one second per request with a 0.5 s update latency, so every UpdateTable leaves a pending
transition that a later request settles. Target: the figures at 10,000 tables within 1.3x of those at 100.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import time
from collections.abc import Callable
from typing import Any

from dynamotable.local import Latency, LocalEndpoint, motobackend

REGION = "us-east-1"
ACCOUNT = "123456789012"
AUTH = f"AWS4-HMAC-SHA256 Credential=testing/20260101/{REGION}/dynamodb/aws4_request, SignedHeaders=host, Signature=0"


class StepClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def call(app: Callable[..., Any], operation: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = json.dumps(payload).encode()
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "CONTENT_TYPE": "application/x-amz-json-1.0",
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_AMZ_TARGET": f"DynamoDB_20120810.{operation}",
        "HTTP_AUTHORIZATION": AUTH,
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    status: list[str] = []
    chunks = app(environ, lambda s, h, exc_info=None: status.append(s))
    data = b"".join(chunks)
    if not status or not status[0].startswith("200"):
        raise RuntimeError(f"{operation} failed: {status} {data[:300]!r}")
    result: dict[str, Any] = json.loads(data) if data else {}
    return result


def fill(endpoint: LocalEndpoint, count: int) -> None:
    control = endpoint._control
    wall = endpoint.wall_time()
    for i in range(count):
        table = motobackend.create_table(
            ACCOUNT,
            REGION,
            wall,
            name=f"t{i:05d}",
            schema=[{"AttributeName": "id", "KeyType": "HASH"}],
            throughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
            attr=[{"AttributeName": "id", "AttributeType": "S"}],
            global_indexes=None,
            indexes=None,
            streams=None,
            billing_mode="PROVISIONED",
            sse_specification=None,
            tags=[{"Key": "n", "Value": str(i)}],
            deletion_protection_enabled=False,
            warm_throughput=None,
        )
        control.state_for(ACCOUNT, REGION, table.name, table)


def per_request(run: Callable[[], None], requests: int) -> float:
    start = time.process_time()
    for _ in range(requests):
        run()
    return (time.process_time() - start) / requests


def measure(count: int, requests: int) -> dict[str, float]:
    clock = StepClock()
    endpoint = LocalEndpoint(clock=clock, latency=Latency(update=0.5))
    endpoint.reset()
    fill(endpoint, count)
    app = endpoint._middleware
    rng = random.Random(count)
    arns = {name: f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}" for name in (f"t{i:05d}" for i in range(count))}
    names = sorted(arns)
    capacity = dict.fromkeys(names, 1)

    def describe() -> None:
        clock.now += 1
        call(app, "DescribeTable", {"TableName": rng.choice(names)})

    def tags() -> None:
        clock.now += 1
        call(app, "ListTagsOfResource", {"ResourceArn": arns[rng.choice(names)]})

    def update() -> None:
        name = rng.choice(names)
        capacity[name] += 1
        clock.now += 1
        throughput = {"ReadCapacityUnits": capacity[name], "WriteCapacityUnits": 1}
        call(app, "UpdateTable", {"TableName": name, "ProvisionedThroughput": throughput})
        clock.now += 1
        call(app, "DescribeTable", {"TableName": name})

    for run in (describe, tags, update):  # warm-up
        run()
    figures = {
        "DescribeTable": per_request(describe, requests),
        "ListTagsOfResource": per_request(tags, requests),
        "UpdateTable+settle": per_request(update, requests // 2),
    }
    endpoint.reset()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,10000", help="table counts, comma-separated")
    parser.add_argument("--requests", type=int, default=600, help="requests per operation and size")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = {size: measure(size, args.requests) for size in sizes}
    operations = list(next(iter(results.values())))
    print(f"CPU time per request (ms), {args.requests} requests per operation, in-process WSGI")
    print(f"{'tables':>8} " + " ".join(f"{op:>20}" for op in operations))
    for size, figures in results.items():
        print(f"{size:>8} " + " ".join(f"{figures[op] * 1000:>20.3f}" for op in operations))
    low, high = min(sizes), max(sizes)
    ratios = " ".join(f"{results[high][op] / results[low][op]:>20.2f}" for op in operations)
    print(f"{f'{high}/{low}':>8} {ratios}   (target: <= 1.30)")
    command = ".venv/bin/python tests/bench/bench_local_endpoint.py"
    print(f"reproduce: {command} --sizes {args.sizes} --requests {args.requests}")


if __name__ == "__main__":
    main()
