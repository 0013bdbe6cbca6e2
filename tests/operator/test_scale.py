"""Many DynamoTables at once: all converge, nothing surfaces to users as an error."""

from __future__ import annotations

import asyncio
import time
from collections import Counter

from operator_harness import Harness, eventually, table_spec

from dynamotable.local import Latency

COUNT = 200


async def test_two_hundred_tables_created_at_once(harness: Harness) -> None:
    h = harness
    h.endpoint.set_latency(Latency())  # instant AWS: this measures the operator, not the endpoint's timers
    op = await h.start()
    names = [f"bulk-{i:03d}" for i in range(COUNT)]
    started = time.monotonic()
    await asyncio.gather(*(h.create(n, table_spec(tableName=f"{h.namespace}-{n}")) for n in names))
    await eventually(lambda: all(h.ready(n) for n in names), timeout=120, interval=0.1)
    elapsed = time.monotonic() - started
    ops = Counter(r.operation for r in h.aws())
    kube_requests = len(h.kube_requests())

    pages = h.ddb().get_paginator("list_tables").paginate()
    tables = {name for page in pages for name in page["TableNames"]}
    assert tables >= {f"{h.namespace}-{n}" for n in names}
    assert ops["CreateTable"] == COUNT
    # The only AWS error is the expected "does not exist yet" of each table's first DescribeTable.
    errors = [
        r
        for r in h.aws()
        if not r.ok and not (r.operation == "DescribeTable" and r.error_code == "ResourceNotFoundException")
    ]
    warnings = [(n, e) for n in names for e in h.events(n) if e[0] == "Warning"]
    assert errors == [] and warnings == []
    reasons = Counter(h.reason(n) for n in names)
    assert reasons == Counter({"Synced": COUNT})
    assert op.metrics.registry.get_sample_value("dynamotable_plan_steps_pending") == 0
    calls = sum(ops.values())
    print(
        f"\n{COUNT} DynamoTables Ready in {elapsed:.1f}s ({COUNT / elapsed:.0f}/s); {calls} AWS calls "
        f"({calls / COUNT:.1f} per table): {dict(ops)}; {kube_requests} Kubernetes API requests by the operator"
    )
