"""What the pure planner's rule tests share: the table `shop/orders` owns in us-east-1, as observe would read it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from dynamotable.api.validation import OWNER_TAG
from dynamotable.engine.model import ObservedTable

REGION = "us-east-1"
OWNER = "shop/orders"
ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"


def live(**changes: Any) -> ObservedTable:
    """An ACTIVE on-demand table `orders` keyed by `id`, carrying our ownership tag; `changes` replace fields."""
    base = ObservedTable(
        name="orders",
        region=REGION,
        arn=ARN,
        status="ACTIVE",
        hash_key="id",
        range_key=None,
        attribute_types={"id": "S"},
        billing_mode="PAY_PER_REQUEST",
        tags={OWNER_TAG: OWNER},
    )
    return replace(base, **changes)
