"""Structured JSON logs (python-json-logger): one JSON object per line on stderr.

Access tokens never reach the logs: websocket clients send theirs as ``?token=``, which uvicorn
would print with the path, so every record is redacted before it is formatted.
"""

from __future__ import annotations

import logging
import re

from pythonjsonlogger.json import JsonFormatter

TOKEN = re.compile(r"(token=)[^&\s\"']+")


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message:
            record.msg = TOKEN.sub(r"\1[redacted]", message)
            record.args = None
        return True


def json_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        )
    )
    handler.addFilter(RedactTokens())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
        logger.setLevel(logging.NOTSET)
