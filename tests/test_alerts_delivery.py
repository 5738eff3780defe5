"""Delivering alerts to real receivers on 127.0.0.1: exactly once, retried with backoff, never lost.

The clock is injected: a run happens "at" a given time, so the backoff
between attempts is checked without waiting for it.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.alerts.config import load_alerts
from crawler.alerts.delivery import SAMPLE_STORY, run_alerts, send_sample
from crawler.store import open_store
from tests.alert_servers import Receiver, make_certificates, password_check, smtp_server
from tests.test_store_contract import row

# The implicit-TLS test server requires AUTH without aiosmtpd's own TLS flag (see tls_servers).
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")

START = datetime(2024, 6, 1, tzinfo=UTC)
STORY_FIELDS = {"story_id", "title", "url", "outlets", "languages", "first_seen", "topics"}


class Clock:
    def __init__(self):
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session")
def http_receiver():
    receiver = Receiver(slow_seconds=2.0)
    receiver.start()
    yield receiver
    receiver.stop()


@pytest.fixture
def receiver(http_receiver):
    http_receiver.reset()
    return http_receiver


@pytest.fixture(scope="session")
def smtp():
    controller, mailbox = smtp_server()
    yield controller, mailbox
    controller.stop()


@pytest.fixture
def mailbox(smtp):
    controller, box = smtp
    box.messages.clear()
    box.refuse = False
    return controller, box


@pytest.fixture
def store(tmp_path):
    with open_store(tmp_path / "news.db") as opened:
        yield opened


def add_story(store, n: int, *, minutes: int, story: int | None = None, **kw) -> int:
    """A relevant copy of a karabakh-blockade story, first seen ``minutes`` after START."""
    seen = (START + timedelta(minutes=minutes)).isoformat()
    values = {
        "relevant": 1,
        "topics": '["karabakh-blockade"]',
        "language": "en",
        "title": f"Lachin corridor report {n}",
        **kw,
    }
    with store.write() as tx:
        return tx.insert_article(row(n, first_seen_at=seen, **values), story)


def alerts_file(
    tmp_path: Path,
    body: str,
    delivery: str = "",
    smtp_port: int | None = None,
    timeout: str = "20s",
):
    # A generous timeout: a command channel starts a Python process, which takes
    # well over a second on a loaded machine. The slow-receiver test sets its own.
    text = f'[[alert]]\nname = "desk"\ntopics = ["karabakh-blockade"]\n{body}\n'
    text += f'[delivery]\ntimeout = "{timeout}"\nretry_first = "1m"\nretry_max = "4m"\n{delivery}\n'
    if smtp_port:
        text += f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\ntls = "none"\nfrom = "nm@example.org"\n'
    path = tmp_path / "alerts.toml"
    path.write_text(text)
    return load_alerts(path, topic_names={"karabakh-blockade", "russian-peacekeepers"}, env={})


def run(store, alerts, clock):
    return run_alerts(store, alerts, clock=clock)


# --- webhook -------------------------------------------------------------------------------


def test_webhook_message_fields_batches_and_key(store, receiver, tmp_path):
    clock = Clock()
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"', "max_stories = 2")
    run(store, alerts, clock)  # the alert starts now: nothing before counts
    a = add_story(store, 1, minutes=1, language="hy")
    add_story(store, 2, minutes=2, story=a, source="rus", language="ru")
    b = add_story(store, 3, minutes=3)
    add_story(store, 4, minutes=4, relevant=0, topics="[]")
    add_story(store, 5, minutes=5, topics='["russian-peacekeepers"]')
    (result,) = run(store, alerts, clock)
    assert (result.stories, result.messages, result.error) == (2, 1, None)
    assert receiver.story_ids() == [a, b]  # c is not relevant, d has another topic
    (body,) = receiver.accepted
    assert body["alert"] == "desk" and set(body["stories"][0]) == STORY_FIELDS
    first = body["stories"][0]
    assert first["outlets"] == ["wire", "rus"] and first["languages"] == ["hy", "ru"]
    assert first["topics"] == ["karabakh-blockade"] and first["url"] == "https://wire.example/a/1"
    assert len(receiver.headers[0]["Idempotency-Key"]) == 32
    for n in range(6, 9):
        add_story(store, n, minutes=10 + n)
    (result,) = run(store, alerts, clock)
    assert (result.stories, result.messages) == (3, 2)  # max_stories per message
    assert len(receiver.story_ids()) == len(set(receiver.story_ids())) == 5


def test_webhook_down_then_up_delivers_exactly_once(store, receiver, tmp_path):
    clock = Clock()
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"')
    run(store, alerts, clock)
    a = add_story(store, 1, minutes=1)
    receiver.stop()
    (down,) = run(store, alerts, clock)
    assert "Connection refused" in down.error and down.stories == 0
    assert down.retry_at == (clock.now + timedelta(minutes=1)).isoformat()
    receiver.start()
    clock.advance(seconds=30)
    (waiting,) = run(store, alerts, clock)  # before the retry time: not tried
    assert waiting.skipped.startswith("waiting after 1 failure(s)") and receiver.accepted == []
    clock.advance(seconds=30)
    (up,) = run(store, alerts, clock)
    assert up.stories == 1 and up.error is None
    clock.advance(hours=1)
    (again,) = run(store, alerts, clock)
    assert again.stories == 0 and again.describe() == "desk webhook: nothing new"
    assert receiver.story_ids() == [a]


def test_5xx_backs_off_exponentially_and_loses_nothing(store, receiver, tmp_path):
    clock = Clock()
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"')
    run(store, alerts, clock)
    ids = [add_story(store, n, minutes=n) for n in (1, 2)]
    receiver.mode = "500"
    waits = []
    for _ in range(4):
        (result,) = run(store, alerts, clock)
        assert result.error.endswith("HTTP 500 Internal Server Error")
        retry_at = datetime.fromisoformat(result.retry_at)
        waits.append((retry_at - clock.now).total_seconds())
        clock.now = retry_at
    assert waits == [60, 120, 240, 240]  # doubled, capped at retry_max
    receiver.mode = "ok"
    (result,) = run(store, alerts, clock)
    assert result.stories == 2 and receiver.story_ids() == ids
    assert len(receiver.refused) == 4


def test_a_redirect_is_not_a_delivery(store, receiver, tmp_path):
    clock = Clock()
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"')
    run(store, alerts, clock)
    add_story(store, 1, minutes=1)
    receiver.mode = "redirect"
    (result,) = run(store, alerts, clock)
    assert result.error.endswith("HTTP 307 Temporary Redirect") and result.stories == 0
    assert len(receiver.refused) == 1 and receiver.accepted == []


def test_a_slow_receiver_times_out_then_gets_the_story_once(store, receiver, tmp_path):
    clock = Clock()
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"', timeout="0.5s")
    run(store, alerts, clock)
    a = add_story(store, 1, minutes=1)
    receiver.mode = "slow"
    (slow,) = run(store, alerts, clock)
    assert slow.error.endswith("timed out") and receiver.accepted == []
    receiver.mode = "ok"
    clock.advance(minutes=1)
    (result,) = run(store, alerts, clock)
    assert result.stories == 1 and receiver.story_ids() == [a]


def test_slack_format(store, receiver, tmp_path):
    clock = Clock()
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"\nwebhook_format = "slack"')
    run(store, alerts, clock)
    add_story(store, 1, minutes=1, title="Blockade <day 100> & counting")
    run(store, alerts, clock)
    (body,) = receiver.accepted
    assert list(body) == ["text"]
    assert body["text"].startswith("*newsmon desk*: 1 new story")
    assert "<https://wire.example/a/1|Blockade &lt;day 100&gt; &amp; counting>" in body["text"]


def test_a_new_alert_starts_from_its_first_run_unless_since_says(store, receiver, tmp_path):
    clock = Clock()
    old = add_story(store, 1, minutes=-60)
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"')
    run(store, alerts, clock)
    assert receiver.accepted == []  # no flood of what was there before
    new = add_story(store, 2, minutes=1)
    run(store, alerts, clock)
    assert receiver.story_ids() == [new]
    backfill = alerts_file(
        tmp_path, f'webhook = "{receiver.url}"\nsince = "{(START - timedelta(days=1)).date()}"'
    )
    run(store, backfill, clock)
    assert receiver.story_ids() == [new, old]  # the same ledger: `new` is not sent again


def test_a_grown_story_is_resent_only_with_updates(store, receiver, tmp_path):
    clock = Clock()
    plain = alerts_file(tmp_path, f'webhook = "{receiver.url}"')
    run(store, plain, clock)
    a = add_story(store, 1, minutes=1)
    run(store, plain, clock)
    add_story(store, 2, minutes=2, story=a, source="rus")
    run(store, plain, clock)
    assert receiver.story_ids() == [a]
    updating = alerts_file(tmp_path, f'webhook = "{receiver.url}"\nupdates = true')
    run(store, updating, clock)
    run(store, updating, clock)
    assert receiver.story_ids() == [a, a]
    assert receiver.accepted[-1]["stories"][0]["outlets"] == ["wire", "rus"]


def test_a_bad_saved_search_fails_its_alert_only(store, receiver, tmp_path):
    clock = Clock()
    path = tmp_path / "two.toml"
    path.write_text(
        f'[[alert]]\nname = "bad"\nsearch = \'"unbalanced\'\nwebhook = "{receiver.url}"\n'
        f'[[alert]]\nname = "good"\nsearch = "Lachin"\nwebhook = "{receiver.url}"\n'
    )
    alerts = load_alerts(path, topic_names=set(), env={})
    run(store, alerts, clock)
    add_story(store, 1, minutes=1)
    bad, good = run(store, alerts, clock)
    assert bad.error.startswith("field 'search': invalid query '\"unbalanced'")
    assert good.stories == 1 and [b["alert"] for b in receiver.accepted] == ["good"]
    add_story(store, 2, minutes=2)
    (only,) = run_alerts(store, alerts, names=["bad"], clock=clock)  # newsmon alerts run --alert
    assert only.alert == "bad" and len(receiver.accepted) == 1


# --- e-mail ---------------------------------------------------------------------------------


def test_email_digest_once_per_run_retried_after_a_refusal(store, mailbox, tmp_path):
    controller, box = mailbox
    clock = Clock()
    alerts = alerts_file(
        tmp_path, 'email = ["desk@example.org", "ngo@example.org"]', smtp_port=controller.port
    )
    run(store, alerts, clock)
    for n in (1, 2, 3):
        add_story(store, n, minutes=n, title=f"Hakari bridge closed, day {n}")
    box.refuse = True
    (refused,) = run(store, alerts, clock)
    assert "451" in refused.error and box.messages == []
    box.refuse = False
    clock.advance(minutes=1)
    (result,) = run(store, alerts, clock)
    assert (result.stories, result.messages) == (3, 1)
    (recipients, message), = box.messages  # fmt: skip
    assert recipients == ["desk@example.org", "ngo@example.org"]
    assert message["Subject"] == "newsmon desk: 3 new stories"
    assert message["From"] == "nm@example.org"
    plain = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hakari bridge closed, day 1 (wire; first seen 2024-06-01 00:01 UTC)" in plain
    assert '<a href="https://wire.example/a/3">Hakari bridge closed, day 3</a>' in html
    run(store, alerts, clock)
    assert len(box.messages) == 1


def test_email_login_needs_the_password_in_the_environment(store, mailbox, tmp_path):
    controller, box = mailbox
    path = tmp_path / "alerts.toml"
    path.write_text(
        '[[alert]]\nname = "m"\nemail = "desk@example.org"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\ntls = "starttls"\n'
        'from = "nm@example.org"\nuser = "nm"\npassword_env = "NEWSMON_TEST_NO_SUCH_VAR"\n'
    )
    alerts = load_alerts(path, topic_names=set(), env={})
    (result,) = send_sample(None, alerts, alerts.get("m"))
    assert result.error.endswith("$NEWSMON_TEST_NO_SUCH_VAR is not set") and box.messages == []


# --- e-mail over TLS, with a login -------------------------------------------------------------

USER, PASSWORD = "nm", "s3cret"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def tls_servers(certificates):
    """A submission server (STARTTLS required, then AUTH required) and an implicit-TLS one."""
    submission = smtp_server(
        tls_context=certificates.server_context(),
        require_starttls=True,
        auth_required=True,
        authenticator=password_check(USER, PASSWORD),
    )
    # aiosmtpd counts only STARTTLS as TLS for AUTH; this whole connection is TLS.
    implicit = smtp_server(
        ssl_context=certificates.server_context(),
        auth_required=True,
        auth_require_tls=False,
        authenticator=password_check(USER, PASSWORD),
    )
    yield {"starttls": submission, "ssl": implicit}
    for controller, _ in (submission, implicit):
        controller.stop()


def tls_alerts(tmp_path, servers, tls: str, *, ca: Path | None, user: bool = True):
    controller, box = servers[tls]
    box.messages.clear()
    box.sessions.clear()
    path = tmp_path / "alerts.toml"
    path.write_text(
        '[[alert]]\nname = "m"\nemail = "desk@example.org"\n[delivery]\ntimeout = "5s"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {controller.port}\ntls = "{tls}"\n'
        'from = "nm@example.org"\n'
        + (f'user = "{USER}"\npassword_env = "NEWSMON_TEST_SMTP_PASSWORD"\n' if user else "")
        + (f'ca_file = "{ca}"\n' if ca else "")
    )
    return load_alerts(path, topic_names=set(), env={}), box


@pytest.mark.parametrize("tls", ["starttls", "ssl"])
def test_email_over_tls_with_a_login(tls, tls_servers, certificates, store, tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSMON_TEST_SMTP_PASSWORD", PASSWORD)
    alerts, box = tls_alerts(tmp_path, tls_servers, tls, ca=certificates.ca)
    clock = Clock()
    run(store, alerts, clock)
    add_story(store, 1, minutes=1, title="Hakari bridge closed")
    (result,) = run(store, alerts, clock)
    assert (result.error, result.stories) == (None, 1)
    assert box.sessions == [{"tls": True, "login": USER}]
    (_, message), = box.messages  # fmt: skip
    assert message["Subject"] == "newsmon m: 1 new story"


def test_a_wrong_password_is_one_line_and_retried(tls_servers, certificates, store, tmp_path,
                                                  monkeypatch):  # fmt: skip
    monkeypatch.setenv("NEWSMON_TEST_SMTP_PASSWORD", "wrong")
    alerts, box = tls_alerts(tmp_path, tls_servers, "starttls", ca=certificates.ca)
    clock = Clock()
    run(store, alerts, clock)
    add_story(store, 1, minutes=1)
    (failed,) = run(store, alerts, clock)
    assert failed.error.endswith(": 535 5.7.8 Authentication credentials invalid")
    assert failed.retry_at and box.messages == []
    monkeypatch.setenv("NEWSMON_TEST_SMTP_PASSWORD", PASSWORD)
    clock.advance(minutes=1)
    (result,) = run(store, alerts, clock)
    assert (result.error, result.stories, len(box.messages)) == (None, 1, 1)


def test_a_certificate_no_authority_vouches_for_is_refused(tls_servers, store, tmp_path,
                                                         monkeypatch):  # fmt: skip
    monkeypatch.setenv("NEWSMON_TEST_SMTP_PASSWORD", PASSWORD)
    for tls in ("starttls", "ssl"):
        alerts, box = tls_alerts(tmp_path, tls_servers, tls, ca=None)  # the system's authorities
        (result,) = send_sample(None, alerts, alerts.get("m"))
        assert (
            "the server's certificate is not trusted (unable to get local issuer certificate;"
            in (result.error)
        )
        assert "\n" not in result.error and box.messages == []


def test_a_server_that_demands_tls_and_a_login_refuses_a_plain_anonymous_message(
    tls_servers, tmp_path
):
    alerts, box = tls_alerts(tmp_path, tls_servers, "starttls", ca=None, user=False)
    plain = replace(alerts, smtp=replace(alerts.smtp, tls="none"))
    (result,) = send_sample(None, plain, plain.get("m"))
    assert result.error.endswith(": 530 Must issue a STARTTLS command first")
    assert box.messages == []


# --- command --------------------------------------------------------------------------------

RECORDER = """
import json, pathlib, sys
body = json.load(sys.stdin)
flag = pathlib.Path(sys.argv[1] + ".fail")
if flag.exists():
    sys.exit("receiver busy")
with open(sys.argv[1], "a") as out:
    out.write(json.dumps(body) + "\\n")
"""


def test_command_channel_gets_the_json_and_its_exit_status_counts(store, tmp_path):
    clock = Clock()
    out = tmp_path / "got.jsonl"
    command = json.dumps([sys.executable, "-c", RECORDER, str(out)])
    alerts = alerts_file(tmp_path, f"command = {command}")
    run(store, alerts, clock)
    a = add_story(store, 1, minutes=1)
    Path(f"{out}.fail").touch()
    (failed,) = run(store, alerts, clock)
    assert failed.error == f"command {sys.executable}: exit status 1: receiver busy"
    assert not out.exists()
    Path(f"{out}.fail").unlink()
    clock.advance(minutes=1)
    (result,) = run(store, alerts, clock)
    assert result.stories == 1
    run(store, alerts, clock)
    (line,) = out.read_text().splitlines()
    body = json.loads(line)
    assert body["alert"] == "desk" and [s["story_id"] for s in body["stories"]] == [a]
    assert set(body["stories"][0]) == STORY_FIELDS


# --- alerts test ------------------------------------------------------------------------------


def test_a_sample_goes_to_every_channel_and_leaves_the_ledger_alone(store, receiver, tmp_path):
    clock = Clock()
    out = tmp_path / "got.jsonl"
    command = json.dumps([sys.executable, "-c", RECORDER, str(out)])
    alerts = alerts_file(tmp_path, f'webhook = "{receiver.url}"\ncommand = {command}')
    results = send_sample(None, alerts, alerts.get("desk"))
    assert [(r.channel, r.error) for r in results] == [("webhook", None), ("command", None)]
    assert receiver.accepted[0]["stories"][0]["title"] == SAMPLE_STORY.title
    a = add_story(store, 1, minutes=1)
    send_sample(store, alerts, alerts.get("desk"))
    assert receiver.story_ids() == [0, a]
    (webhook, command) = run(store, alerts, clock)  # the samples were not recorded as sent
    assert webhook.stories == command.stories == 1
    assert receiver.story_ids() == [0, a, a]
