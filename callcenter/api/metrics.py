"""Prometheus metrics: request latencies, queue gauges, live hub and bridge counters.

Each app gets its own registry (no import-time global), filled in at scrape time.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from callcenter.api.ports import Services
from callcenter.domain.seats import SeatState
from callcenter.stats.source import read_facts


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.latency = Histogram(
            "callcenter_http_request_seconds",
            "HTTP request latency",
            ["method", "route", "status"],
            registry=r,
        )
        self.calls_waiting = Gauge("callcenter_calls_waiting", "Calls waiting now", registry=r)
        self.longest_wait = Gauge(
            "callcenter_longest_wait_seconds", "Wait of the oldest waiting call", registry=r
        )
        self.seats = Gauge("callcenter_seats", "Seats by state", ["state"], registry=r)
        self.live_published = Gauge(
            "callcenter_live_published", "Live messages published by this process", registry=r
        )
        self.live_subscribers = Gauge(
            "callcenter_live_subscribers", "Websocket subscribers on this process", registry=r
        )
        self.live_overflows = Gauge(
            "callcenter_live_overflows", "Subscribers that fell behind", registry=r
        )
        self.live_publish_failures = Gauge(
            "callcenter_live_publish_failures",
            "Writes to the live log that failed (Redis down); the steps themselves are stored",
            registry=r,
        )
        self.live_pending = Gauge(
            "callcenter_live_pending",
            "Live updates waiting for the live log to come back",
            registry=r,
        )
        self.live_dropped = Gauge(
            "callcenter_live_dropped",
            "Live updates given up after too many waited (clients must reload over HTTP)",
            registry=r,
        )
        self.bridge = Gauge(
            "callcenter_bridge_events", "Bridge/pipeline counters", ["counter"], registry=r
        )
        self.login_failures = Counter(
            "callcenter_login_failures", "Failed logins (wrong name or password)", registry=r
        )
        self.login_refused = Counter(
            "callcenter_login_refused",
            "Logins refused for too many failures, by the limit reached",
            ["scope"],
            registry=r,
        )
        self.login_storage_errors = Gauge(
            "callcenter_login_throttle_storage_errors",
            "Failed-login counter calls that fell back to memory (Redis unavailable)",
            registry=r,
        )
        self.ws_rejected = Counter(
            "callcenter_ws_rejected", "Websocket connections refused", ["reason"], registry=r
        )

    async def middleware(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        self.latency.labels(request.method, path, str(response.status_code)).observe(
            time.perf_counter() - started
        )
        return response

    async def scrape(self, svc: Services, *, login_storage_errors: int = 0) -> bytes:
        now = datetime.now(UTC)
        self.login_storage_errors.set(login_storage_errors)
        facts = await read_facts(svc.store.engine, now)
        self.calls_waiting.set(len(facts.waiting_since))
        waits = [(now - t).total_seconds() for t in facts.waiting_since]
        self.longest_wait.set(max(waits) if waits else 0)
        counts = {state.value: 0 for state in SeatState}
        for seat in svc.seats.seats():
            counts[seat.state.value] += 1
        for state, count in counts.items():
            self.seats.labels(state).set(count)
        self.live_published.set(svc.hub.stats.published)
        self.live_subscribers.set(svc.hub.stats.subscribers)
        self.live_overflows.set(svc.hub.stats.overflows)
        self.live_publish_failures.set(svc.hub.stats.publish_failures)
        self.live_pending.set(svc.hub.stats.pending)
        self.live_dropped.set(svc.hub.stats.dropped)
        for name, value in svc.counters().items():
            self.bridge.labels(name).set(value)
        return generate_latest(self.registry)
