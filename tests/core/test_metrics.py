"""/metrics over real HTTP: the exposition format, request and Slack API counts, DB gauges."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import httpx
import pytest
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from slack_sdk.errors import SlackApiError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from core.db import make_engine
from core.metrics import SLACK_API_RATE_LIMITED, SLACK_API_REQUESTS
from core.slack import make_client
from models import (
    DigestRun,
    DigestStatus,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Workspace,
    utcnow,
)
from sandbox import SlackDriver, SlackSandbox
from sandbox.constants import TEAM_ID
from sandbox.payloads import slash_command
from services import digest_runs
from tests.support.processes import free_port
from tests.support.serving import Served, make_settings, serve_app
from tests.support.waiting import wait_until
from tests.support.workspaces import ref_by_id

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)')


def parse(text: str) -> Samples:
    """Parse the text exposition format strictly enough to catch malformed output."""
    samples: Samples = {}
    typed: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram"), line
            assert name not in typed, f"{name} declared twice"
            typed[name] = kind
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, labels, value = match.groups()
        family = re.sub(r"_(bucket|sum|count)$", "", name) if name not in typed else name
        assert family in typed, f"{name} has no # TYPE line before it"
        pairs = LABEL.findall(labels or "")
        assert ",".join(f'{k}="{v}"' for k, v in pairs) == (labels or ""), line
        key = (name, frozenset(pairs))
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = float(value)
    assert text.endswith("\n")
    return samples


def scrape(metrics_url: str) -> Samples:
    response = httpx.get(metrics_url, timeout=10)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def count(name: str, **labels: str) -> float:
    """A process-wide Slack API count, as every app's /metrics reports it."""
    registry = CollectorRegistry()
    for metric in (SLACK_API_REQUESTS, SLACK_API_RATE_LIMITED):
        registry.register(metric)
    return registry.get_sample_value(name, labels) or 0.0


def test_requests_and_acks_are_counted_by_route_kind_and_status(
    served: Served, slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    before = scrape(served.metrics_url)
    assert slack.command("/collateral", "help").status_code == 200
    body = urlencode(
        slash_command(
            "/collateral", "help", user_id="U0REP1", response_url=sandbox.new_response_url()
        )
    )
    forged = slack.raw(
        body, content_type="application/x-www-form-urlencoded", signature="v0=" + "0" * 64
    )
    assert forged.status_code == 401
    event = {"type": "app_home_opened", "user": "U0REP1", "channel": "D0REP1", "tab": "about"}
    assert slack.event(event).status_code == 200
    assert httpx.get(served.url + "/healthz").status_code == 200
    assert httpx.get(served.url + "/no-such-page").status_code == 404
    after = scrape(served.metrics_url)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    http = "liaison_http_requests_total"
    assert delta(http, route="/slack/events", status="200") == 2
    assert delta(http, route="/slack/events", status="401") == 1
    assert delta(http, route="/healthz", status="200") == 1
    assert delta(http, route="other", status="404") == 1  # unknown paths share one label
    acks = "liaison_slack_requests_total"
    assert delta(acks, kind="command", status="200") == 1
    assert delta(acks, kind="event", status="200") == 1
    # The forged request was refused before its body was read: no kind is known for it.
    assert delta(acks, kind="command", status="401") == 0
    assert delta("liaison_slack_unverified_total", reason="signature") == 1
    assert delta("liaison_slack_ack_seconds_count", kind="command") == 1
    assert delta("liaison_slack_ack_seconds_bucket", kind="command", le="+Inf") == 1
    # Labels are fixed vocabularies: no team, user or channel ever becomes one.
    for name, labels in after:
        assert not {v for _, v in labels} & {"T0SANDBOX", "U0REP1", "C0SALES", "D0REP1"}, name


def test_process_and_platform_metrics_are_exposed_once(served: Served) -> None:
    response = httpx.get(served.metrics_url, timeout=10)
    samples = parse(response.text)  # fails on a family declared twice
    assert response.text.count("# TYPE process_start_time_seconds gauge") == 1
    assert 0 < value(samples, "process_start_time_seconds") <= time.time()
    assert value(samples, "process_resident_memory_bytes") > 0
    assert any(name == "python_info" for name, _ in samples)
    # No `_created` series beside the counters and histograms.
    assert not any(name.endswith("_created") for name, _ in samples)


def test_listener_calls_to_slack_and_429s_are_counted(
    served: Served, slack: SlackDriver, sandbox: SlackSandbox
) -> None:
    before = scrape(served.metrics_url)
    # Bolt gives each listener a fresh client with a copy of the app client's handlers.
    sandbox.fail_next("views.open", status=429, retry_after=0)
    assert slack.command("/feedback", "").status_code == 200
    wait_until(lambda: any(c.ok for c in sandbox.calls("views.open")), 10.0, "the modal to open")

    def counted() -> bool:
        now = scrape(served.metrics_url)
        return value(now, "liaison_slack_api_requests_total", method="views.open", outcome="ok") > (
            value(before, "liaison_slack_api_requests_total", method="views.open", outcome="ok")
        )

    wait_until(counted, 10.0, "the views.open call to be counted")
    after = scrape(served.metrics_url)
    requests = "liaison_slack_api_requests_total"
    assert (
        value(after, requests, method="views.open", outcome="rate_limited")
        - value(before, requests, method="views.open", outcome="rate_limited")
        == 1
    )
    limited = "liaison_slack_api_rate_limited_total"
    assert value(after, limited, method="views.open") - value(before, limited, method="views.open")


def test_the_workers_client_counts_every_refusal_it_does_not_retry(sandbox: SlackSandbox) -> None:
    client = make_client(token=sandbox.BOT_TOKEN, base_url=sandbox.api_url, retry=False)
    method = "chat.postMessage"
    outcomes = ("ok", "rate_limited", "server_error", "error")
    requests, limits = "liaison_slack_api_requests_total", "liaison_slack_api_rate_limited_total"
    before = {o: count(requests, method=method, outcome=o) for o in outcomes}
    limited = count(limits, method=method)
    sandbox.fail_next(method, status=429, retry_after=30)
    sandbox.fail_next(method, status=503)
    sandbox.fail_next(method, error="channel_not_found")
    # Slack's documented `rate_limited` error, in an HTTP 200 body: rate limited, not an error.
    sandbox.fail_next(method, error="rate_limited")
    for status in (429, 503, 200, 200):
        with pytest.raises(SlackApiError) as refused:
            client.chat_postMessage(channel="C0SALES", text="hello")
        assert refused.value.response.status_code == status  # no retry: the worker decides
    client.chat_postMessage(channel="C0SALES", text="hello")
    after = {o: count(requests, method=method, outcome=o) for o in outcomes}
    assert {o: after[o] - before[o] for o in outcomes} == {
        "ok": 1,
        "rate_limited": 2,
        "server_error": 1,
        "error": 1,
    }
    # That counter is for HTTP 429s only.
    assert count(limits, method=method) == limited + 1

    unreachable = make_client(
        token=sandbox.BOT_TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/", retry=False
    )
    lost = count(requests, method="auth.test", outcome="network")
    with pytest.raises(OSError):
        unreachable.auth_test()
    assert count(requests, method="auth.test", outcome="network") == lost + 1


def _seed(engine: Engine) -> None:
    now = utcnow()
    with Session(engine) as session:
        workspace = Workspace(team_id="T0METRICS")
        session.add(workspace)
        session.flush()
        assert workspace.id is not None
        rows = [
            (OutboxStatus.PENDING, OutboxKind.ANNOUNCEMENT, now - timedelta(seconds=90)),
            (OutboxStatus.PENDING, OutboxKind.ASSET_REPLY, now + timedelta(hours=1)),  # not due yet
            (OutboxStatus.SENT, OutboxKind.DIGEST, now - timedelta(days=7)),
            (OutboxStatus.SENT, OutboxKind.DIGEST, now - timedelta(days=14)),
            (OutboxStatus.FAILED, OutboxKind.ANNOUNCEMENT, now - timedelta(days=1)),
        ]
        for i, (status, kind, due) in enumerate(rows):
            session.add(
                OutboxMessage(
                    workspace_id=workspace.id,
                    dedupe_key=f"metrics-{i}",
                    kind=kind,
                    channel_id=f"C0METRIC{i}",
                    payload="{}",
                    status=status,
                    next_attempt_at=due,
                )
            )
        for weeks, run_status in ((1, DigestStatus.POSTED), (0, DigestStatus.CLAIMED)):
            start = now - timedelta(weeks=weeks + 1)
            session.add(
                DigestRun(
                    workspace_id=workspace.id,
                    period_start=start,
                    period_end=start + timedelta(weeks=1),
                    status=run_status,
                )
            )
        session.commit()


def test_outbox_and_digest_gauges_read_the_database_the_same_from_every_instance(
    sandbox: SlackSandbox, engine: Engine, database_url: str
) -> None:
    _seed(engine)
    settings = make_settings(sandbox, database_url)
    # No background work: the delivery worker would send the due message meanwhile.
    with (
        serve_app(settings, engine, background=False) as one,
        serve_app(settings, engine, background=False) as two,
    ):
        scrapes = [scrape(one.metrics_url), scrape(two.metrics_url)]
    gauges = [
        {k: v for k, v in s.items() if k[0].startswith(("liaison_outbox", "liaison_digest"))}
        for s in scrapes
    ]
    ages = [g.pop(("liaison_outbox_oldest_due_seconds", frozenset())) for g in gauges]
    assert gauges[0] == gauges[1]
    samples = scrapes[0]
    depth = "liaison_outbox_messages"
    assert [value(samples, depth, status=s.value) for s in OutboxStatus] == [2, 0, 2, 1]
    by_kind = "liaison_outbox_messages_by_kind"
    assert value(samples, by_kind, status="sent", kind="digest") == 2
    assert value(samples, by_kind, status="pending", kind="asset_reply") == 1
    assert all(89 <= age < 300 for age in ages)  # the due one, not the one due in an hour
    runs = "liaison_digest_runs"
    assert [value(samples, runs, status=s.value) for s in DigestStatus] == [1, 1, 0]
    assert value(samples, "liaison_database_up") == 1
    assert value(samples, "liaison_scheduler_running") == 0  # background work not started


def test_metrics_still_answer_when_the_database_does_not(
    sandbox: SlackSandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path}/missing-dir/never.db"
    engine = make_engine(url)
    with serve_app(make_settings(sandbox, url), engine, background=False) as served:
        samples = scrape(served.metrics_url)
    assert value(samples, "liaison_database_up") == 0
    assert not any(name.startswith("liaison_outbox") for name, _ in samples)
    assert any(name == "liaison_http_requests_total" for name, _ in samples)


def test_a_metrics_token_keeps_strangers_out(sandbox: SlackSandbox, engine: Engine) -> None:
    token = "scrape-token-0123456789"
    settings = make_settings(sandbox, str(engine.url), liaison_metrics_token=token)
    with serve_app(settings, engine, background=False) as served:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": token}):
            refused = httpx.get(served.url + "/metrics", headers=headers, timeout=5)
            assert refused.status_code == 401
            assert "liaison_" not in refused.text and token not in refused.text
        allowed = httpx.get(
            served.url + "/metrics", headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert allowed.status_code == 200 and "liaison_http_requests_total" in allowed.text
        # /healthz stays open (503 here only because this app runs no scheduler).
        assert httpx.get(served.url + "/healthz", timeout=5).status_code in (200, 503)


def test_exposition_escapes_labels_and_renders_histograms() -> None:
    # As core.metrics sets the library up: the exposition /metrics serves, parsed strictly.
    registry = CollectorRegistry()
    counter = Counter("demo_total", "A help text\nwith a newline.", ("path",), registry=registry)
    counter.labels(path='a"b\\c\nd').inc()
    counter.labels(path='a"b\\c\nd').inc(2)
    histogram = Histogram("demo_seconds", "Durations.", buckets=(0.1, 1.0), registry=registry)
    for seconds in (0.05, 0.5, 5.0):
        histogram.observe(seconds)
    text = generate_latest(registry).decode()
    assert "# HELP demo_total A help text\\nwith a newline." in text
    assert 'demo_total{path="a\\"b\\\\c\\nd"} 3.0' in text
    samples = parse(text)
    assert [value(samples, "demo_seconds_bucket", le=le) for le in ("0.1", "1.0", "+Inf")] == [
        1,
        2,
        3,
    ]
    assert value(samples, "demo_seconds_sum") == pytest.approx(5.55)
    with pytest.raises(ValueError):
        counter.labels(route="x")


def test_without_a_token_metrics_live_only_on_the_loopback_listener(served: Served) -> None:
    public = httpx.get(served.url + "/metrics", timeout=5)
    assert public.status_code == 404 and "liaison_" not in public.text
    assert "LIAISON_METRICS_PORT" in public.text
    private = httpx.get(served.metrics_url, timeout=5)
    assert private.status_code == 200 and "liaison_http_requests_total" in private.text
    # The metrics listener serves metrics and nothing else.
    base = served.metrics_url.removesuffix("/metrics")
    assert httpx.post(base + "/slack/events", content=b"x", timeout=5).status_code == 404
    assert httpx.get(base + "/readyz", timeout=5).status_code == 404


def _claim_a_digest(engine: Engine) -> int:
    """A workspace (in a zone half an hour off UTC) whose digest for this week is claimed
    and queued."""
    fired = datetime.now(UTC).astimezone(ZoneInfo("Asia/Kolkata")) - timedelta(hours=1)
    with Session(engine) as session:
        workspace = Workspace(
            team_id=TEAM_ID,
            digest_channel_id="C0LEADS",
            digest_weekday=fired.weekday(),
            digest_time=fired.strftime("%H:%M"),
            timezone="Asia/Kolkata",
            updated_at=utcnow() - timedelta(days=3),
        )
        session.add(workspace)
        session.commit()
        assert workspace.id is not None
        settings = digest_runs.digest_settings(
            session=session, workspace=ref_by_id(session, workspace.id)
        )
        assert settings is not None
        period = digest_runs.period_for_schedule(settings, datetime.now(UTC))
        message: dict[str, object] = {"text": "Weekly digest", "blocks": []}
        assert digest_runs.claim_and_queue(
            session=session, settings=settings, period=period, message=message, claimed_by="t"
        )
        return workspace.id


def _run_status(engine: Engine) -> str:
    with Session(engine) as session:
        return str(session.exec(select(DigestRun.status)).one())


@pytest.mark.parametrize(
    ("fault", "settled"),
    [(None, DigestStatus.POSTED), ("channel_not_found", DigestStatus.FAILED)],
)
def test_the_digest_run_metric_follows_its_message_out_of_claimed(
    sandbox: SlackSandbox,
    engine: Engine,
    database_url: str,
    fault: str | None,
    settled: DigestStatus,
) -> None:
    _claim_a_digest(engine)
    if fault is not None:
        sandbox.fail_next("chat.postMessage", status=200, error=fault)
    settings = make_settings(sandbox, database_url)
    with serve_app(settings, engine, background=False) as idle:  # no worker: still queued
        before = scrape(idle.metrics_url)
    with serve_app(settings, engine) as served:
        wait_until(lambda: _run_status(engine) != DigestStatus.CLAIMED, 20, "the digest to settle")
        after = scrape(served.metrics_url)
    runs = "liaison_digest_runs"
    assert value(before, runs, status="claimed") == 1
    assert [value(after, runs, status=s.value) for s in DigestStatus] == [
        1 if s is settled else 0 for s in DigestStatus
    ]
    with Session(engine) as session:
        run = session.exec(select(DigestRun)).one()
    assert (run.ts is not None, run.posted_at is not None) == (fault is None, fault is None)
    posted = [m for m in sandbox.messages("C0LEADS") if m.get("text") == "Weekly digest"]
    assert len(posted) == (1 if fault is None else 0)
