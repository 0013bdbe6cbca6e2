"""Key schemas as DynamoDB judges them (A26, B1): moto stores any list of KeySchemaElements.

A global secondary index's key is up to 4 HASH elements followed by up to 4 RANGE elements, each attribute once.
The table's key stays one HASH and at most one RANGE; a local secondary index's is the table's HASH and one
RANGE. moto 5.2.5 accepts two HASH elements on the table, five on an index, RANGE before HASH and an attribute
twice (probed), so the endpoint refuses them before moto sees the request. Its describe answers and item
operations on a multi-attribute index are moto's own (DescribeTable lists every element in the order given).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import messages

MAX_INDEX_HASH_KEYS = 4
MAX_INDEX_RANGE_KEYS = 4


def _types(schema: Sequence[Any]) -> list[str]:
    return [str(e.get("KeyType")) if isinstance(e, dict) else "" for e in schema]


def _names(schema: Sequence[Any]) -> list[str]:
    return [str(e.get("AttributeName")) if isinstance(e, dict) else "" for e in schema]


def check_table_key(schema: Sequence[Any]) -> None:
    """[A26] multi-attribute keys are for global secondary indexes only: a table has exactly one hash key."""
    if _types(schema).count("HASH") > 1:
        raise messages.invalid("Too many hash keys specified.  All Dynamo DB tables must have exactly one hash key")


def check_index_key(schema: Sequence[Any]) -> None:
    """[A26] a GSI's KeySchema: HASH elements first (1-4), then RANGE elements (0-4), no attribute twice."""
    types = _types(schema)
    if not types:
        return  # botocore refuses an empty KeySchema before sending it (min 1)
    if types[0] != "HASH":
        raise messages.validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    first_range = types.index("RANGE") if "RANGE" in types else len(types)
    if "HASH" in types[first_range:]:
        raise messages.validation("All HASH key attributes must precede RANGE key attributes in the KeySchema")
    if types.count("HASH") > MAX_INDEX_HASH_KEYS:
        raise messages.validation("The KeySchema exceeds the maximum allowed number of HASH key attributes")
    if types.count("RANGE") > MAX_INDEX_RANGE_KEYS:
        raise messages.validation("The KeySchema exceeds the maximum allowed number of RANGE key attributes")
    names = _names(schema)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise messages.invalid(f"Duplicate attribute name in KeySchema: {', '.join(repeated)}")


def check_local_index_key(schema: Sequence[Any]) -> None:
    """[A26] a local secondary index keeps a single sort key: the table's hash key and one RANGE element."""
    types = _types(schema)
    if types.count("HASH") > 1 or types.count("RANGE") > 1:
        raise messages.validation(
            "Key Schema too big.  Key Schema must at most consist of the hash and range key of a table"
        )


def check_create(body: dict[str, Any]) -> None:
    """The key schemas of a CreateTable request: the table's, every GSI's and every LSI's."""
    check_table_key(body.get("KeySchema") or [])
    for gsi in body.get("GlobalSecondaryIndexes") or []:
        if isinstance(gsi, dict):
            check_index_key(gsi.get("KeySchema") or [])
    for lsi in body.get("LocalSecondaryIndexes") or []:
        if isinstance(lsi, dict):
            check_local_index_key(lsi.get("KeySchema") or [])
