"""Alerts reach a real webhook receiver on 127.0.0.1, say what failed, and never carry a secret."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dagster as dg
import pytest
from click.testing import CliRunner

from bookflow.alerts import WEBHOOK_ENV, post_alert
from bookflow.cli import main
from tests.conftest import AS_OF


class Receiver:
    """A chat webhook stand-in: records each JSON body; answers `status`."""

    def __init__(self) -> None:
        self.messages: list[dict] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.messages.append(json.loads(body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/T000/B000/abcdef123456"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def texts(self) -> list[str]:
        return [message["text"] for message in self.messages]


@pytest.fixture
def receiver(monkeypatch):
    hook = Receiver()
    hook.thread.start()
    monkeypatch.setenv(WEBHOOK_ENV, hook.url)
    yield hook
    hook.server.shutdown()
    hook.server.server_close()


def test_an_alert_is_slack_json_and_masks_secrets(receiver, monkeypatch):
    monkeypatch.setenv("SALESFORCE_CLIENT_SECRET", "sf-secret-123")
    monkeypatch.setenv("HUBSPOT_ACCESS_TOKEN", "pat-na1-0000")
    text = (
        "login failed for client secret sf-secret-123 (token pat-na1-0000) at https://bot:hunter22@crm.example.com/x; "
        f"posted to {receiver.url}"
    )
    assert post_alert(text) is None
    [message] = receiver.messages
    assert set(message) == {"text"}
    for secret in ("sf-secret-123", "pat-na1-0000", "hunter22", "abcdef123456"):
        assert secret not in message["text"]
    assert message["text"].startswith("login failed for client secret [redacted]")

    receiver.status = 500
    assert post_alert("another") == "alert not delivered: the webhook answered HTTP 500"
    monkeypatch.delenv(WEBHOOK_ENV)
    assert post_alert("not configured") is None and len(receiver.messages) == 2


def test_a_failed_run_posts_what_to_fix(workspace, receiver):
    (workspace.rules / "segments.csv").write_text("foo,bar\n1,2\n")
    result = CliRunner().invoke(main, ["run", *workspace.cli_args(), "--rules", str(workspace.rules)])
    assert result.exit_code == 1
    [text] = receiver.texts()
    assert text.startswith(f"bookflow: run FAILED for {AS_OF.isoformat()}")
    assert "segments.csv:1: error: missing column 'segment'" in text and "log: " in text
    assert len(text.splitlines()) < 10


def test_a_refused_sync_posts_an_alert(tmp_path, receiver):
    from tests.test_sync_guards import PLAN, _files

    warehouse, crm = _files(tmp_path, PLAN)
    refused = CliRunner().invoke(main, ["sync", "--warehouse", str(warehouse), "--crm", str(crm)])
    assert refused.exit_code == 2
    [text] = receiver.texts()
    assert text.startswith("bookflow: sync refused by the blast-radius guard") and "would lose 15 of 20" in text


def test_the_run_failure_sensor_posts_for_runs_the_daemon_starts(receiver):
    from orchestration.alert_sensors import STARTED_BY_TAG, alert_on_run_failure

    @dg.op
    def check_rules() -> None:
        raise dg.Failure(description="rules in /srv/rules are invalid:\n  - reps.csv: missing column 'capacity'")

    @dg.job
    def allocation_cycle() -> None:
        check_rules()

    instance = dg.DagsterInstance.ephemeral()
    for tags in ({"bookflow/as_of": AS_OF.isoformat()}, {STARTED_BY_TAG: "bookflow run"}):
        result = allocation_cycle.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
        [failure] = [event for event in result.all_events if event.event_type_value == "PIPELINE_FAILURE"]
        context = dg.build_run_status_sensor_context(
            sensor_name="alert_on_run_failure",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
        ).for_run_failure()
        alert_on_run_failure(context)
    # The run `bookflow run` started is its own to report: one message, for the daemon's run.
    [text] = receiver.texts()
    assert text.startswith(f"bookflow: allocation_cycle run FAILED for {AS_OF.isoformat()}")
    assert "step check_rules: rules in /srv/rules are invalid:" in text and "reps.csv: missing column" in text
