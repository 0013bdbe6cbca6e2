"""Which AWS account a namespace's tables live in: the platform team's map of namespaces to IAM roles.

The map is the `accounts.yaml` key of a ConfigMap in the operator's namespace (docs/multi-account.md), a list of
rules:

    - namespaces: [team-a, team-a-*]          # exact names or globs (fnmatch: * ? [..])
      roleArn: arn:aws:iam::111122223333:role/dynamotable
      externalId: team-a-7f3c                 # optional: the trust policy's sts:ExternalId condition
      sessionName: dynamotable-team-a         # optional: the role session name (CloudTrail shows it)

A namespace named exactly by a rule takes that rule; otherwise the first rule with a matching glob; otherwise
no role: the operator's own credentials. The account is the one in the role ARN, so no call is needed to know
it. Pure: parsing only; operator/accounts.py reads the ConfigMap, aws/assume_role.py assumes the roles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from dynamotable.api.validation import IAM_ROLE_ARN_PATTERN

ACCOUNTS_KEY = "accounts.yaml"
DEFAULT_SESSION_NAME = "dynamotable-operator"
EXTERNAL_ID = r"^[\w+=,.@:/-]+$"  # sts:AssumeRole ExternalId, 2-1224 characters
SESSION_NAME = r"^[\w+=,.@-]+$"  # sts:AssumeRole RoleSessionName, 2-64 characters
NAMESPACE_GLOB = re.compile(r"^[a-z0-9*?\[\]-]{1,63}$")


class AccountMapError(ValueError):
    """The account map cannot be used: one line naming the place, the value and the fix."""


@dataclass(frozen=True, slots=True)
class RoleToAssume:
    role_arn: str
    external_id: str | None = None
    session_name: str = DEFAULT_SESSION_NAME

    @property
    def account(self) -> str:
        return self.role_arn.split(":")[4]

    def __repr__(self) -> str:  # the external ID is a shared secret of sorts: keep it out of logs
        return f"RoleToAssume({self.role_arn!r})"


class _Rule(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, extra="forbid", frozen=True, strict=True)

    namespaces: list[str] = Field(min_length=1)
    role_arn: str
    external_id: str | None = Field(default=None, min_length=2, max_length=1224, pattern=EXTERNAL_ID)
    session_name: str | None = Field(default=None, min_length=2, max_length=64, pattern=SESSION_NAME)


@dataclass(frozen=True, slots=True)
class AccountMap:
    exact: Mapping[str, RoleToAssume]
    globs: tuple[tuple[str, RoleToAssume], ...]

    def role_for(self, namespace: str) -> RoleToAssume | None:
        """The role for `namespace`'s tables, or None for the operator's own credentials."""
        role = self.exact.get(namespace)
        if role is not None:
            return role
        return next((r for pattern, r in self.globs if fnmatchcase(namespace, pattern)), None)

    @property
    def roles(self) -> frozenset[RoleToAssume]:
        return frozenset([*self.exact.values(), *(r for _, r in self.globs)])


EMPTY = AccountMap(exact={}, globs=())


def account_of_role(role: RoleToAssume | None) -> str | None:
    return None if role is None else role.account


def parse_account_map(data: Mapping[str, Any] | None, *, source: str) -> AccountMap:
    """The map in a ConfigMap's `data`; `source` names the ConfigMap in messages (e.g. dynamotable/accounts)."""
    text = (data or {}).get(ACCOUNTS_KEY)
    where = f"ConfigMap {source} key {ACCOUNTS_KEY}"
    if text is None:
        raise AccountMapError(f"{where}: missing; add it with a list of rules (namespaces, roleArn)")
    if not isinstance(text, str):
        raise AccountMapError(f"{where}: must be a string of YAML; put the rules under data, not binaryData")
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark is not None else ""
        raise AccountMapError(f"{where}: not YAML{line}: {getattr(exc, 'problem', exc)}; fix the syntax") from exc
    if loaded is None:
        return EMPTY
    if not isinstance(loaded, list):
        raise AccountMapError(f"{where}: must be a list of rules; write each as - namespaces: [...], roleArn: ...")
    return _account_map([_rule(item, i, where) for i, item in enumerate(loaded)], where)


def _rule(item: object, index: int, where: str) -> _Rule:
    try:
        rule = _Rule.model_validate(item)
    except ValidationError as exc:
        first = exc.errors()[0]
        path = ".".join(str(p) for p in first["loc"])
        at = f"[{index}].{path}" if path else f"[{index}]"
        value = _shortened(first.get("input"))
        raise AccountMapError(f"{where}{at}: {first['msg']} (got {value}); {_fix(path)}") from None
    if not IAM_ROLE_ARN_PATTERN.fullmatch(rule.role_arn):
        raise AccountMapError(
            f"{where}[{index}].roleArn: {_shortened(rule.role_arn)} is not an IAM role ARN; "
            "write arn:aws:iam::<12-digit account>:role/<name>"
        )
    for ns in rule.namespaces:
        if not NAMESPACE_GLOB.match(ns):
            raise AccountMapError(
                f"{where}[{index}].namespaces: {_shortened(ns)} is not a namespace name or glob; "
                "use lower-case letters, digits, '-', and * ? [..] for globs"
            )
    return rule


def _fix(path: str) -> str:
    return {
        "namespaces": "give a list of namespace names or globs",
        "roleArn": "give the role ARN to assume",
        "externalId": "2-1224 characters of letters, digits and +=,.@:/-",
        "sessionName": "2-64 characters of letters, digits and +=,.@-",
    }.get(path.split(".", maxsplit=1)[0], "a rule has namespaces, roleArn, and optionally externalId, sessionName")


def _shortened(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _account_map(rules: list[_Rule], where: str) -> AccountMap:
    exact: dict[str, RoleToAssume] = {}
    globs: list[tuple[str, RoleToAssume]] = []
    for index, rule in enumerate(rules):
        role = RoleToAssume(rule.role_arn, rule.external_id, rule.session_name or DEFAULT_SESSION_NAME)
        for ns in rule.namespaces:
            if any(ch in ns for ch in "*?["):
                globs.append((ns, role))
            elif ns in exact and exact[ns] != role:
                raise AccountMapError(
                    f"{where}[{index}].namespaces: {ns!r} is mapped to two roles ({exact[ns].role_arn} and "
                    f"{role.role_arn}); keep one"
                )
            else:
                exact[ns] = role
    return AccountMap(exact=exact, globs=tuple(globs))
