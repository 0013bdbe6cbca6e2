"""IAM for tables in other AWS accounts (docs/multi-account.md): the trust policy of a role the operator assumes,
and the operator's own right to assume such roles.

The role in a team's account gets two policies: its permission policy is the operator policy of `iam.py` for
that account (`dynamotable iam-policy --account-id <team account> ...`), and its trust policy lets the
operator's role call sts:AssumeRole, with the external ID as a condition when the account map gives one. The
operator's own role needs sts:AssumeRole on exactly the mapped roles. The operator passes no session tags and
no source identity, so neither sts:TagSession nor sts:SetSourceIdentity is granted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dynamotable.api.validation import IAM_ROLE_ARN_PATTERN

from .iam import POLICY_VERSION, PolicyError, Rule

ROLE_ARN = Rule(
    IAM_ROLE_ARN_PATTERN,
    "an IAM role ARN",
    "give arn:aws:iam::<12-digit account>:role/<name> (no wildcards)",
)
EXTERNAL_ID = Rule(
    re.compile(r"[\w+=,.@:/-]{2,1224}", re.ASCII),
    "an external ID",
    "give 2-1224 characters of A-Z a-z 0-9 _ + = , . @ : / - (the account map's externalId)",
)


def trust_policy(assumed_by: str, *, external_id: str | None = None) -> dict[str, Any]:
    """The trust policy of a role in a team's account: the operator's role may assume it."""
    if not ROLE_ARN.ok(assumed_by):
        raise PolicyError(f"{assumed_by!r} is not {ROLE_ARN.what}; {ROLE_ARN.fix}")
    statement: dict[str, Any] = {
        "Sid": "AssumedByTheDynamoTableOperator",
        "Effect": "Allow",
        "Principal": {"AWS": assumed_by},
        "Action": "sts:AssumeRole",
    }
    if external_id is not None:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": POLICY_VERSION, "Statement": [statement]}


def assume_roles_statement(role_arns: Iterable[str]) -> dict[str, Any]:
    """The statement of the operator's own role that lets it assume the account map's roles, and no other."""
    arns = sorted(set(role_arns))
    bad = next((arn for arn in arns if not ROLE_ARN.ok(arn)), None)
    if bad is not None:
        raise PolicyError(f"{bad!r} is not {ROLE_ARN.what}; {ROLE_ARN.fix}")
    return {"Sid": "AssumeAccountRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": arns}
