"""The bridge's counters in one flat dict (logged by ``serve``, printed by ``ingest``).

- ``received``: AMI frames read; ``parsed``: frames that meant something to callcenter;
  ``ignored``: events it skips on purpose (noise, unknown events); ``rejected``: what it
  could not use (over-long or headerless frames, unparsable fields, responses matching no
  action, callback failures); ``bad_utf8``: frames kept with replaced bytes;
- ``reconnects``, ``resyncs``, ``lost_calls``;
- ``lag_ms_*``: PBX ``Timestamp`` -> received, and PBX ``Timestamp`` -> processed (runner);
- the runner's ``OrderedRunner.metrics()``: ``processed``, ``failed``, ``inferred``, and what
  it holds through a database outage: ``backlog`` (items waiting), ``backlog_oldest_seconds``,
  ``backlog_max``, ``store_down`` (0/1), ``retries``, ``outages``, ``dropped`` (refused past
  ``backlog_max``: the PBX-log reconciliation must fill them in).

Every count but ``lag_ms_*``, ``backlog*`` and ``store_down`` only grows over the process's
life, across reconnects (Prometheus reads them as counters).
"""

from __future__ import annotations

from callcenter.ami.bridge import Bridge
from callcenter.ami.client import AmiClient
from callcenter.pipeline.runner import OrderedRunner


def bridge_metrics(
    bridge: Bridge, runner: OrderedRunner, client: AmiClient | None = None
) -> dict[str, float]:
    t = bridge.translator.stats
    out: dict[str, float] = {
        "received": bridge.stats.frames,
        "parsed": t.translated,
        "ignored": t.ignored,
        "rejected": t.unparsable,
        "bad_utf8": 0,
        "reconnects": 0,
        "resyncs": bridge.stats.resyncs,
        "lost_calls": bridge.stats.lost,
        "domain_events": bridge.stats.emitted,
        **runner.metrics(),
        "lag_ms_received_last": round(bridge.stats.lag_ms_last, 1),
        "lag_ms_received_max": round(bridge.stats.lag_ms_max, 1),
        "lag_ms_processed_last": round(runner.stats.lag_ms_last, 1),
        "lag_ms_processed_max": round(runner.stats.lag_ms_max, 1),
    }
    if client is not None:
        s = client.stats
        live = client.protocol
        # Past connections' counts plus the live one's: monotonic over the process's life.
        rejected = s.parser_rejected + s.unmatched_responses + s.callback_errors
        out["bad_utf8"] = s.bad_utf8
        if live is not None:
            rejected += live.parser.stats.rejected + live.unmatched + live.callback_errors
            out["bad_utf8"] += live.parser.stats.bad_utf8
        out["rejected"] += rejected
        out["reconnects"] = s.reconnects
        out["ping_timeouts"] = s.ping_timeouts
        out["action_errors"] = s.action_errors
    return out
