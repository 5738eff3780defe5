"""The alerts file: what loads, and the one-line errors naming file, alert and field."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from crawler.alerts.config import Delivery, load_alerts
from crawler.config import ConfigError
from crawler.relevance import load_topics

TOPICS = set(load_topics().names)
EXAMPLE = Path(__file__).resolve().parents[1] / "crawler" / "alerts.example.toml"


def load(tmp_path: Path, text: str, env: dict | None = None):
    path = tmp_path / "alerts.toml"
    path.write_text(text, encoding="utf-8")
    return load_alerts(path, topic_names=TOPICS, env=env or {})


def test_the_shipped_example_loads():
    alerts = load_alerts(EXAMPLE, topic_names=TOPICS, env={})
    assert [a.name for a in alerts.alerts] == ["blockade-desk", "peacekeepers-bridge"]
    desk = alerts.get("blockade-desk")
    assert desk.channels == ["webhook", "email"] and desk.webhook_format == "slack"
    assert alerts.get("peacekeepers-bridge").command[0] == "/usr/local/bin/newsmon-to-matrix"
    assert alerts.smtp.host == "smtp.example.org" and alerts.smtp.tls == "starttls"


def test_a_full_alert(tmp_path):
    alerts = load(
        tmp_path,
        """
        [[alert]]
        name = "desk"
        topics = ["karabakh-blockade", "karabakh-blockade"]
        search = ' "Hakari bridge" '
        since = 2024-03-01
        updates = true
        command = "notify --room 'monitoring desk'"
        webhook = "http://127.0.0.1:9/hook"
        [delivery]
        timeout = "3s"
        retry_first = "30s"
        retry_max = "2m"
        max_stories = 5
        """,
    )
    (alert,) = alerts.alerts
    assert alert.topics == ("karabakh-blockade",) and alert.search == '"Hakari bridge"'
    assert alert.since == "2024-03-01T00:00:00+00:00" and alert.updates
    assert alert.command == ("notify", "--room", "monitoring desk")
    assert alert.channels == ["webhook", "command"] and alerts.smtp is None
    assert alerts.delivery.timeout == 3 and alerts.delivery.max_stories == 5
    delays = [alerts.delivery.retry_delay(n).total_seconds() for n in range(1, 6)]
    assert delays == [30, 60, 120, 120, 120]  # doubled, then capped


def test_default_backoff_is_exponential_and_capped():
    delivery = Delivery()
    assert delivery.retry_delay(1) == timedelta(minutes=1)
    assert delivery.retry_delay(4) == timedelta(minutes=8)
    assert delivery.retry_delay(30) == timedelta(hours=6)


def test_smtp_settings_come_from_the_environment_where_the_file_is_silent(tmp_path):
    text = '[[alert]]\nname = "m"\nemail = "desk@example.org"\n[smtp]\nport = 2525\n'
    env = {
        "NEWSMON_SMTP_HOST": "mail.example.org",
        "NEWSMON_SMTP_PORT": "999",
        "NEWSMON_SMTP_TLS": "ssl",
        "NEWSMON_SMTP_FROM": "nm@example.org",
        "NEWSMON_SMTP_USER": "nm",
        "NEWSMON_SMTP_CA_FILE": "ca.pem",
    }
    (tmp_path / "ca.pem").write_text("-----BEGIN CERTIFICATE-----\n")
    smtp = load(tmp_path, text, env).smtp
    assert (smtp.host, smtp.port, smtp.tls, smtp.sender, smtp.user) == (
        "mail.example.org",
        2525,
        "ssl",
        "nm@example.org",
        "nm",
    )
    assert smtp.password_env == "NEWSMON_SMTP_PASSWORD"
    assert smtp.ca_file == str(tmp_path / "ca.pem")  # beside the alerts file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[alert]]\nname = "a"\ntopics = ["nope"]\nwebhook = "http://x.org/"',
         "alert 'a': field 'topics': unknown topic 'nope' (known: karabakh-blockade"),
        ('[[alert]]\nname = "a"', "alert 'a': needs at least one of 'webhook', 'email', 'command'"),
        ('[[alert]]\ntopics = []\ncommand = "x"', "alert #1: missing field 'name'"),
        ('[[alert]]\nname = "a b"\ncommand = "x"', "alert 'a b': field 'name' must be letters"),
        ('[[alert]]\nname = "a"\nwebhook = "ftp://x.org/"', "alert 'a': field 'webhook': 'ftp://x.org/' is not an http(s) URL"),
        ('[[alert]]\nname = "a"\nwebhook = "http://x.org/"\nwebhook_format = "teams"',
         "alert 'a': field 'webhook_format' must be one of json, slack"),
        ('[[alert]]\nname = "a"\ncommand = "x"\nwebook = "http://x.org/"', "alert 'a': unknown key 'webook'"),
        ('[[alert]]\nname = "a"\ncommand = []', "alert 'a': field 'command' must be a program"),
        ('[[alert]]\nname = "a"\ncommand = "x"\nupdates = "yes"', "alert 'a': field 'updates' must be of type bool"),
        ('[[alert]]\nname = "a"\ncommand = "x"\nsince = "last spring"', "alert 'a': field 'since': 'last spring' is neither"),
        ('[[alert]]\nname = "a"\ncommand = "x"\nsearch = " "', "alert 'a': field 'search' is empty"),
        ('[[alert]]\nname = "a"\nemail = "desk"', "alert 'a': field 'email': 'desk' is not an e-mail address"),
        ('[[alert]]\nname = "a"\nemail = "d@example.org"',
         "alert 'a': field 'email': no SMTP server (set host in [smtp] or NEWSMON_SMTP_HOST)"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[[alert]]\nname = "a"\ncommand = "y"', "alert 'a': duplicate name"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[smtp]\nhost = "h"\nfrom = "f@example.org"\ntls = "none"\nuser = "u"',
         "[smtp]: field 'user': a login needs tls = \"starttls\" or \"ssl\" (the password would cross"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[smtp]\nhost = "h"\nfrom = "f@example.org"\nca_file = "no.pem"',
         "[smtp]: field 'ca_file': no such file "),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[smtp]\nhost = "h"\nfrom = "f@example.org"\npassword = "s3cret"',
         "[smtp]: unknown key 'password' (give the password in the environment: NEWSMON_SMTP_PASSWORD"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[smtp]\nhost = "h"', "[smtp]: missing field 'from'"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[smtp]\nhost = "h"\nfrom = "f@example.org"\ntls = "yes"',
         "[smtp]: field 'tls' must be one of starttls, ssl, none"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[delivery]\ntimeout = "soon"', "[delivery]: field 'timeout': 'soon' is not a duration"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[delivery]\nretry_first = "2h"\nretry_max = "1h"',
         "[delivery]: field 'retry_max' is shorter than 'retry_first'"),
        ('[[alert]]\nname = "a"\ncommand = "x"\n[delivery]\nmax_stories = 0', "[delivery]: field 'max_stories' must be 1 or more"),
        ("[alerts]\nname = 1", "unknown top-level key 'alerts'"),
        ("", "no [[alert]] entries"),
        ("[[alert]\n", "invalid TOML"),
    ],
)  # fmt: skip
def test_errors_are_one_line_naming_file_alert_and_field(tmp_path, text, message):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    error = str(caught.value)
    assert error.startswith(f"{tmp_path / 'alerts.toml'}: ") and "\n" not in error
    assert message in error


def test_a_file_not_in_utf8_is_refused(tmp_path):
    path = tmp_path / "alerts.toml"
    path.write_bytes('[[alert]]\nname = "Ça"\ncommand = "x"\n'.encode("latin-1"))
    with pytest.raises(
        ConfigError, match=r"alerts.toml: not UTF-8 text: byte 0x[0-9a-f]{2} at line 2, "
    ):
        load_alerts(path, topic_names=TOPICS, env={})


def test_a_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="missing.toml: file not found"):
        load_alerts(tmp_path / "missing.toml", topic_names=TOPICS)
