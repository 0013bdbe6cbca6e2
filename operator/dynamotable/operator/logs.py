"""Logging: every line about an object names it, and a normal life logs nothing at WARNING or above.

kopf logs each `TemporaryError` at ERROR ("Handler 'reconcile' failed temporarily: ..."). The operator raises
it for every requeue (waiting for a table to become ACTIVE, a GSI to backfill...), which is a normal life,
not an error: those lines are INFO here. A `PermanentError` is a resource that needs a person (InvalidSpec,
ReplacementRequired...): WARNING, not ERROR, since the operator itself is fine. A handler that raised
anything else stays an ERROR.
"""

from __future__ import annotations

import logging

import kopf

FORMATS = {"full": kopf.LogFormat.FULL, "plain": kopf.LogFormat.PLAIN, "json": kopf.LogFormat.JSON}
OBJECT_KEY = "object"  # where the JSON format puts the object's apiVersion, kind, namespace, name, uid

_REQUEUE = "failed temporarily: "
_TERMINAL = "failed permanently: "


class NormalLifeLevels(logging.Filter):
    """Re-levels kopf's handler-outcome lines (see the module doc). Attached to the `kopf.objects` logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if record.levelno >= logging.ERROR and message.startswith("Handler ") and _REQUEUE in message:
            if " will time out " not in message and " will exceed " not in message:
                _relevel(record, logging.INFO)
        elif record.levelno >= logging.ERROR and message.startswith("Handler ") and _TERMINAL in message:
            _relevel(record, logging.WARNING)
        return True


def _relevel(record: logging.LogRecord, level: int) -> None:
    record.levelno = level
    record.levelname = logging.getLevelName(level)


def install_filters() -> None:
    """Idempotent: the filter goes on kopf's per-object logger once per process."""
    logger = logging.getLogger("kopf.objects")
    if not any(isinstance(f, NormalLifeLevels) for f in logger.filters):
        logger.addFilter(NormalLifeLevels())


def configure(log_format: str = "full", *, verbose: bool = False, debug: bool = False) -> None:
    """kopf's logging with the object named on every line about one: `[namespace/name]` before the message in
    the text formats, an `object` field (namespace, name, uid...) in JSON."""
    json = log_format == "json"
    kopf.configure(
        verbose=verbose,
        debug=debug,
        log_format=FORMATS[log_format],
        log_prefix=not json,
        log_refkey=OBJECT_KEY if json else None,
    )
    install_filters()
