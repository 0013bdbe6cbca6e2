"""botocore sessions that share one data loader per process.

Each botocore session loads the service models and endpoints.json (1.2 MB of JSON, about 6.7 MiB once decoded)
into its own loader's cache. The operator makes a session per set of static credentials and one per assumed
role (an account), so with several accounts the same data sat in memory once per account. The loader's data
is read-only once loaded, so every session of this process shares the first one's loader.
"""

from __future__ import annotations

import functools
from typing import Any

import boto3
import botocore.loaders
import botocore.session


@functools.cache
def shared_loader(data_path: str | None) -> botocore.loaders.Loader:
    """The process's data loader for `data_path` (botocore's data_path setting, AWS_DATA_PATH)."""
    return botocore.loaders.create_loader(data_path)


def botocore_session() -> botocore.session.Session:
    """A new botocore session whose service models and endpoints come from the shared loader."""
    core = botocore.session.Session()
    core.register_component("data_loader", shared_loader(core.get_config_variable("data_path")))
    return core


def boto3_session(core: botocore.session.Session | None = None, **credentials: Any) -> boto3.session.Session:
    """A boto3 session (with the static credentials given, if any) on `core`, by default a new shared-loader
    botocore session."""
    core = core if core is not None else botocore_session()
    session = boto3.session.Session(botocore_session=core, **credentials)
    # boto3 adds its own data directory to the loader's search paths, once per session: once is enough
    paths = core.get_component("data_loader").search_paths
    paths[:] = list(dict.fromkeys(paths))
    return session
