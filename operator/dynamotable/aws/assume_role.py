"""Credentials of an assumed IAM role: sts:AssumeRole on first use, refreshed by botocore before they expire.

botocore's `DeferredRefreshableCredentials` calls the refresh function when credentials are first needed and
again when fewer than 15 minutes are left (advisory: a failure keeps the old ones) or 10 minutes (mandatory: a
failure fails the call). Every client made from the session shares the one set, so one AssumeRole serves every
table of the role until it is due again. `time_fetcher` is the clock botocore judges expiry by (tests own it).

A role that cannot be assumed fails the AWS call that needed it with a ClientError whose message names the
role and the fix, so the engine reports it like any AWS error (condition AwsError).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from botocore.credentials import CredentialProvider, CredentialResolver, DeferredRefreshableCredentials
from botocore.exceptions import ClientError

from .accounts import RoleToAssume
from .sessions import boto3_session, botocore_session

SESSION_SECONDS = 3600  # the default (and the most every role allows without raising its MaxSessionDuration)
METHOD = "dynamotable-assume-role"

Clock = Callable[[], datetime]


def assume_role_refresher(
    role: RoleToAssume, sts: Callable[[], Any], *, duration: int = SESSION_SECONDS
) -> Callable[[], dict[str, str]]:
    """The refresh function botocore calls: AssumeRole, in botocore's credential-metadata format."""

    def refresh() -> dict[str, str]:
        params: dict[str, Any] = {
            "RoleArn": role.role_arn,
            "RoleSessionName": role.session_name,
            "DurationSeconds": duration,
        }
        if role.external_id is not None:
            params["ExternalId"] = role.external_id
        try:
            answer = sts().assume_role(**params)
        except ClientError as exc:
            raise cannot_assume(role, exc) from exc
        creds = answer["Credentials"]
        expiry = creds["Expiration"]
        return {
            "access_key": creds["AccessKeyId"],
            "secret_key": creds["SecretAccessKey"],
            "token": creds["SessionToken"],
            "expiry_time": expiry.isoformat() if isinstance(expiry, datetime) else str(expiry),
        }

    return refresh


def cannot_assume(role: RoleToAssume, exc: ClientError) -> ClientError:
    """The STS error, with a message that names the role and what to check."""
    error = exc.response.get("Error", {})
    code = str(error.get("Code") or "AccessDenied")
    message = (
        f"cannot assume role {role.role_arn} (sts:AssumeRole: {code}: {error.get('Message') or 'no message'}); "
        "check that the role exists, that its trust policy allows the operator's role"
        f"{' with this external ID' if role.external_id else ''} (dynamotable iam-policy --assumed-by ...), and "
        "that the operator's role may call sts:AssumeRole on it"
    )
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": exc.response.get("ResponseMetadata", {}),
    }
    return ClientError(response, "AssumeRole")


class _Provider(CredentialProvider):  # type: ignore[misc]
    METHOD = METHOD

    def __init__(self, credentials: DeferredRefreshableCredentials) -> None:
        super().__init__()
        self._credentials = credentials

    def load(self) -> DeferredRefreshableCredentials:
        return self._credentials


def assumed_role_session(
    role: RoleToAssume, sts: Callable[[], Any], *, clock: Clock | None = None, duration: int = SESSION_SECONDS
) -> Any:
    """A boto3 session whose clients sign with `role`'s credentials (assumed through the client `sts()`)."""
    kwargs: dict[str, Any] = {} if clock is None else {"time_fetcher": clock}
    credentials = DeferredRefreshableCredentials(
        refresh_using=assume_role_refresher(role, sts, duration=duration), method=METHOD, **kwargs
    )
    core = botocore_session()
    core.register_component("credential_provider", CredentialResolver(providers=[_Provider(credentials)]))
    return boto3_session(core)
