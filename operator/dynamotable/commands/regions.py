"""Where tables go, and the AWS environment the commands run in (profile, credentials, region).

The region of a manifest without spec.region is, in order: --region, $AWS_REGION, $AWS_DEFAULT_REGION, the
region of the AWS profile in use (~/.aws/config; $AWS_PROFILE picks the profile). There is no silent
fallback: without one, the commands that need a region fail naming the manifest and the fix. The one
exception is --local, where no real table is at stake: it falls back to LOCAL_REGION (documented in
docs/cli.md). Every region a command uses must be one DynamoDB has in some AWS partition (botocore's endpoint
data), so a typo never creates tables in a region nobody looks at, or hangs on an endpoint that does not exist.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from botocore.exceptions import ProfileNotFound

from dynamotable.commands.common import fail

LOCAL_REGION = "us-east-1"


def profile_name() -> str | None:
    return os.environ.get("AWS_PROFILE") or os.environ.get("AWS_DEFAULT_PROFILE") or None


def aws_session() -> Any:
    """boto3's default session; an unknown profile is a one-line error naming the fix."""
    try:
        return boto3.session.Session()
    except ProfileNotFound:
        name = profile_name() or "?"
        source = "AWS_PROFILE" if os.environ.get("AWS_PROFILE") else "AWS_DEFAULT_PROFILE"
        config = os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"
        credentials = os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"
        fail(
            f"AWS profile {name!r} (from {source}) is in neither {config} nor {credentials}: fix the name "
            f"(`aws configure list-profiles` lists them), create it (`aws configure --profile {name}`), or unset "
            f"{source}"
        )


def require_credentials(session: Any) -> None:
    """Fail with the fix when boto3's credential chain finds nothing (before any call is attempted)."""
    if session.get_credentials() is None:
        fail(
            "no AWS credentials found: configure them (`aws configure`, `aws sso login` with AWS_PROFILE, or "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), or use --local to try the manifests without AWS"
        )


@dataclass(frozen=True, slots=True)
class DefaultRegion:
    region: str | None
    source: str  # where it came from, for messages: "--region", "AWS_REGION", "profile default", ...


def default_region(cli_region: str | None, *, local: bool = False) -> DefaultRegion:
    """The region of manifests without spec.region (see the module docstring); region None when there is none."""
    if cli_region:
        return DefaultRegion(cli_region, "--region")
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        if os.environ.get(variable):
            return DefaultRegion(os.environ[variable], variable)
    region = aws_session().region_name
    if region:
        return DefaultRegion(str(region), f"AWS profile {profile_name() or 'default'}")
    if local:
        return DefaultRegion(LOCAL_REGION, "the --local default")
    return DefaultRegion(None, "")


@cache
def known_regions() -> frozenset[str]:
    """Every region botocore knows DynamoDB in, across partitions (aws, aws-cn, aws-us-gov, ...)."""
    session = aws_session()  # only its endpoint data is read (botocore reads the profile on the way)
    regions: set[str] = set()
    for partition in session.get_available_partitions():
        regions.update(session.get_available_regions("dynamodb", partition_name=partition))
    return frozenset(regions)


def unknown_region(region: str) -> str | None:
    """Why `region` is not usable (one phrase with a suggestion), or None when DynamoDB has it."""
    known = known_regions()
    if region in known:
        return None
    close = difflib.get_close_matches(region, sorted(known), n=1)
    hint = f"; did you mean {close[0]}?" if close else ""
    return f"DynamoDB has no region {region!r}{hint}"


def check_default_region(choice: DefaultRegion) -> None:
    if choice.region is None:
        return
    problem = unknown_region(choice.region)
    if problem:
        fail(f"{problem} (from {choice.source})")
