"""The ownership tag value fits AWS's 256 characters for every legal namespace, name and cluster id, and the
cluster id is checked before anything writes it (validate_cluster_id)."""

from __future__ import annotations

import hashlib
import random
import string

import pytest

from dynamotable.api import spec as s
from dynamotable.api.validation import CLUSTER_ID_MAX, is_tag_character, validate_cluster_id

NS_MAX = "n" * s.K8S_NAMESPACE_MAX
NAME_MAX = ".".join(["a" * 63, "b" * 63, "c" * 63, "d" * 61])
CLUSTER_MAX = "c" * CLUSTER_ID_MAX
FULLWIDTH = "\uff50\uff52\uff4f\uff44"  # "prod" in full-width letters


def test_short_values_are_the_plain_form() -> None:
    assert s.owner_tag_value("shop", "orders") == "shop/orders"
    assert s.owner_tag_value("shop", "orders", "prod-eu") == "prod-eu:shop/orders"
    assert s.owner_tag_value("shop", "orders", "") == "shop/orders"


def test_a_value_of_exactly_256_characters_is_not_shortened() -> None:
    name = "x" * (256 - len("shop/"))
    assert s.owner_tag_value("shop", name) == f"shop/{name}"


@pytest.mark.parametrize("cluster", [None, "prod", CLUSTER_MAX], ids=["no-cluster", "short-cluster", "longest-cluster"])
def test_the_longest_legal_inputs_are_shortened_to_exactly_256(cluster: str | None) -> None:
    value = s.owner_tag_value(NS_MAX, NAME_MAX, cluster)
    assert len(value) == s.OWNER_TAG_VALUE_MAX
    head = f"{cluster}:{NS_MAX}/" if cluster else f"{NS_MAX}/"
    full = head + NAME_MAX
    digest = hashlib.sha256(full.encode()).hexdigest()[:16]
    assert value == f"{head}{NAME_MAX[: 256 - len(head) - 17]}~{digest}"
    assert len(value) - len(head) - 17 >= 46  # the name prefix that is always kept


def test_the_shortened_form_keeps_the_cluster_prefix_iam_conditions_match() -> None:
    assert s.owner_tag_value(NS_MAX, NAME_MAX, "prod").startswith(f"prod:{NS_MAX}/")


def test_long_names_that_share_a_prefix_stay_distinct_and_are_deterministic() -> None:
    a = s.owner_tag_value(NS_MAX, NAME_MAX[:-1] + "x")
    b = s.owner_tag_value(NS_MAX, NAME_MAX[:-1] + "y")
    assert a != b and a[:-16] == b[:-16]
    assert s.owner_tag_value(NS_MAX, NAME_MAX[:-1] + "x") == a


def test_a_shortened_value_never_equals_a_full_one() -> None:
    """Kubernetes names and namespaces cannot contain '~', and cluster ids cannot either."""
    assert "~" in s.owner_tag_value(NS_MAX, NAME_MAX)
    assert validate_cluster_id("a~b") is not None


def test_every_length_combination_fits_and_is_made_of_tag_characters() -> None:
    rng = random.Random(8)
    alphabet = string.ascii_lowercase + string.digits
    for _ in range(2000):
        ns = "".join(rng.choices(alphabet, k=rng.randint(1, s.K8S_NAMESPACE_MAX)))
        name = "".join(rng.choices(alphabet + "-.", k=rng.randint(1, s.K8S_NAME_MAX)))
        cluster = rng.choice([None, "".join(rng.choices(alphabet + "+=._/-", k=rng.randint(1, CLUSTER_ID_MAX)))])
        value = s.owner_tag_value(ns, name, cluster)
        assert len(value) <= s.OWNER_TAG_VALUE_MAX
        assert all(is_tag_character(c) or c == "~" for c in value)
        if len((f"{cluster}:" if cluster else "") + f"{ns}/{name}") <= s.OWNER_TAG_VALUE_MAX:
            assert "~" not in value


def test_even_out_of_range_inputs_give_a_value_that_fits() -> None:
    assert len(s.owner_tag_value("n" * 300, "x", "c" * 300)) == s.OWNER_TAG_VALUE_MAX


def test_the_manifest_owner_id_and_owner_for_use_the_shortened_form() -> None:
    manifest = s.DynamoTable.model_validate(
        {
            "apiVersion": s.API_VERSION,
            "kind": s.KIND,
            "metadata": {"name": NAME_MAX, "namespace": NS_MAX},
            "spec": {"tableName": "t-long", "hashKey": "id", "attributes": [{"name": "id", "type": "S"}]},
        }
    )
    assert manifest.owner_id == s.owner_tag_value(NS_MAX, NAME_MAX) and len(manifest.owner_id) == 256
    assert manifest.owner_for("prod") == s.owner_tag_value(NS_MAX, NAME_MAX, "prod")


@pytest.mark.parametrize("good", ["prod", "prod-eu-1", "a", "team/a", "x+y=z_1.2", CLUSTER_MAX])
def test_cluster_ids_of_tag_value_characters_are_accepted(good: str) -> None:
    assert validate_cluster_id(good) is None


@pytest.mark.parametrize(
    "bad",
    ["", "a:b", "a b", "prod*", "prod?", FULLWIDTH, "prod\u0661", "a\nb", "é", CLUSTER_MAX + "c", 5, None],
    ids=[
        "empty",
        "colon",
        "space",
        "star",
        "question",
        "fullwidth",
        "arabic-digit",
        "newline",
        "accent",
        "129",
        "int",
        "none",
    ],
)
def test_cluster_ids_that_could_break_the_tag_or_iam_matching_are_refused(bad: object) -> None:
    message = validate_cluster_id(bad)
    assert message is not None
    assert message.startswith("cluster id ") and "1-128 characters of A-Z a-z 0-9 + = . _ / -" in message
    assert len(message) < 400


def test_the_ascii_fast_path_of_tag_characters_agrees_with_the_unicode_rule() -> None:
    """rule_tags checks plain-ASCII tags with one regex; every character must get the same verdict as the
    per-character Unicode rule (letters, digits, separators and _ . : / = + - @)."""
    from dynamotable.api.validation import _disallowed_tag_characters

    for code in [*range(0x80), 0xA0, 0xE9, 0x2028, 0x3000, 0x1F600, 0x0301]:
        c = chr(code)
        assert (not _disallowed_tag_characters(f"a{c}b")) == is_tag_character(c), repr(c)
