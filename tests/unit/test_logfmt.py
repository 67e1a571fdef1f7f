"""Table tests for the agent log parser (_logfmt) and NgrokLog, on real agent lines (docs/agent-api.md §8)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from typed_ngrok._agent_process.logfmt import level_name, parse_line, parse_timestamp, unquote_go
from typed_ngrok.log import NgrokLog

WEB = 't=2026-11-22T11:37:49+0000 lvl=info msg="starting web service" obj=web addr=127.0.0.1:49193'
AUTH = (
    't=2026-11-22T11:37:50+0000 lvl=eror msg="failed to auth" obj=tunnels.session err="The authtoken you specified '
    'does not look like a proper ngrok tunnel authtoken.\\nYour authtoken: badtoken\\n\\r\\n\\r\\nERR_NGROK_105\\r\\n"'
)
JSON_WEB = (
    '{"addr":"127.0.0.1:49184","lvl":"info","msg":"starting web service","obj":"web",'
    '"t":"2026-11-22T11:37:52.656794946Z"}'
)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (WEB, {"t": "2026-11-22T11:37:49+0000", "lvl": "info", "msg": "starting web service", "obj": "web"}),
        (
            't=… lvl=info msg="started tunnel" obj=tunnels name="web (http)" addr=http://localhost:49210 '
            "url=http://abcd1234.ngrok.io",
            {"name": "web (http)", "addr": "http://localhost:49210", "url": "http://abcd1234.ngrok.io"},
        ),
        (
            't=… lvl=info msg="received stop request" obj=app stopReq="{err:<nil> restart:false}"',
            {"stopReq": "{err:<nil> restart:false}"},
        ),
        ("t=… lvl=info msg=end pg=/api/tunnels id=c664 status=200 dur=431.49µs", {"dur": "431.49µs", "status": "200"}),
        ('msg="say \\"hi\\" \\\\ back\\tslash"', {"msg": 'say "hi" \\ back\tslash'}),
        ("msg=a=b", {"msg": "a=b"}),
        ("lvl= msg=", {"lvl": "", "msg": ""}),
        ("path=/home/u/ngrok.yml err=nil", {"path": "/home/u/ngrok.yml", "err": "nil"}),
    ],
)
def test_logfmt_fields(line: str, expected: dict[str, str]) -> None:
    parsed = parse_line(line)
    assert parsed.format == "logfmt"
    for key, value in expected.items():
        assert parsed.fields[key] == value


def test_go_escapes_become_text() -> None:
    parsed = parse_line(AUTH)
    assert parsed.lvl == "ERROR"
    err = parsed.fields["err"]
    assert "\nYour authtoken: badtoken\n" in err
    assert err.endswith("ERR_NGROK_105\r\n")


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("plain", "plain"),
        ('a\\"b', 'a"b'),
        ("\\xe2\\x80\\xa6", "…"),
        ("\\u00e9\\U0001F600", "é\U0001f600"),
        ("\\101", "A"),
        ("é\\xe2\\x80\\xa6", "é…"),
        ("\\xff", "\ufffd"),
        ("\\a\\b\\f\\v\\'", "\a\b\f\v'"),
        ("\\q", "\\q"),
        ("\\uD800", "\ufffd"),
    ],
)
def test_unquote_go(body: str, text: str) -> None:
    assert unquote_go(body) == text


@pytest.mark.parametrize(
    ("raw", "lvl"),
    [
        ("dbug", "DEBUG"),
        ("info", "INFO"),
        ("warn", "WARNING"),
        ("eror", "ERROR"),
        ("err", "ERROR"),
        ("crit", "CRITICAL"),
        ("error", "ERROR"),
        ("DEBUG", "DEBUG"),
        ("bogus", "NOTSET"),
        ("", "NOTSET"),
        (None, "NOTSET"),
    ],
)
def test_level_names(raw: str | None, lvl: str) -> None:
    assert level_name(raw) == lvl


def test_json_line() -> None:
    parsed = parse_line(JSON_WEB)
    assert parsed.format == "json"
    assert parsed.lvl == "INFO"
    assert parsed.fields["addr"] == "127.0.0.1:49184"
    assert parse_line('{"err":"\\u003cnil\\u003e","n":3,"ok":true,"x":null}').fields == {
        "err": "<nil>",
        "n": "3",
        "ok": "true",
        "x": "null",
    }


@pytest.mark.parametrize(
    "line",
    [
        "ERROR:  Error reading configuration file '/home/u/missing.yml': open …: no such file or directory",
        "ERROR:  You may not specify both 'region' and 'server_addr'",
        "ERROR:    line 1: cannot unmarshal !!str `notanumber` into int64",
        "ERROR:  Error reading configuration file 'c.yml': `version` property is required.",
    ],
)
def test_plain_error_lines(line: str) -> None:
    parsed = parse_line(line)
    assert parsed.format == "plain"
    assert parsed.lvl == "ERROR"
    text = line.split(":", 1)[1].strip()
    assert parsed.fields == {"msg": text, "err": text}


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        'msg="never closed',
        "{not json",
        "[1, 2]",
        "\x00\xff garbage \\",
        "Your authtoken: badtoken",
        "=== = =",
        '"',
        "k=" + '"' * 5000,
        "ERR_NGROK_105",
    ],
)
def test_malformed_lines_never_raise(line: str) -> None:
    parsed = parse_line(line)
    assert parsed.line == line.strip()
    log = NgrokLog(line)
    assert log.line == line.strip()
    assert isinstance(repr(log), str)
    assert isinstance(str(log), str)


def test_unterminated_quote_keeps_earlier_fields() -> None:
    parsed = parse_line('lvl=warn msg="never closed here')
    assert parsed.lvl == "WARNING"
    assert parsed.fields["msg"] == "never closed here"


def test_bytes_are_decoded() -> None:
    assert parse_line(b"lvl=info msg=\xff").fields["msg"] == "\ufffd"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22T11:37:49+0000", datetime(2026, 11, 22, 11, 37, 49, tzinfo=UTC)),
        ("2026-11-22T11:37:52.656794946Z", datetime(2026, 11, 22, 11, 37, 52, 656794, tzinfo=UTC)),
        ("2026-11-22T03:37:49-0800", datetime(2026, 11, 22, 3, 37, 49, tzinfo=timezone(timedelta(hours=-8)))),
        ("2026-11-22T03:37:49+05:30", datetime(2026, 11, 22, 3, 37, 49, tzinfo=timezone(timedelta(hours=5.5)))),
        ("2026-11-22T11:37:49", datetime(2026, 11, 22, 11, 37, 49, tzinfo=UTC)),
        ("…", None),
        ("2026-13-40T11:37:49Z", None),
        ("2026-11-22T11:37:49+9900", None),
        (None, None),
    ],
)
def test_parse_timestamp(text: str | None, expected: datetime | None) -> None:
    assert parse_timestamp(text) == expected


def test_ngrok_log_attributes() -> None:
    log = NgrokLog(WEB + "\n")
    assert log.line == WEB
    assert (log.t, log.lvl, log.msg, log.obj, log.addr, log.err) == (
        "2026-11-22T11:37:49+0000",
        "INFO",
        "starting web service",
        "web",
        "127.0.0.1:49193",
        None,
    )
    assert log.timestamp == datetime(2026, 11, 22, 11, 37, 49, tzinfo=UTC)
    assert log.levelno == logging.INFO
    assert log.fields["lvl"] == "info"
    assert repr(log) == '<NgrokLog: t=2026-11-22T11:37:49+0000 lvl=INFO msg="starting web service">'
    assert str(log) == (
        'addr="127.0.0.1:49193" lvl="INFO" msg="starting web service" obj="web" t="2026-11-22T11:37:49+0000"'
    )


def test_extra_keys_are_attributes_but_never_shadow_ours() -> None:
    log = NgrokLog('lvl=info msg="started tunnel" name=web url=https://x.ngrok.io line=evil fields=evil')
    assert log.url == "https://x.ngrok.io"
    assert getattr(log, "name") == "web"  # noqa: B009 - dynamic attribute, as pyngrok users read it
    assert log.line.startswith("lvl=info")
    assert log.fields["line"] == "evil"
    assert isinstance(log.fields, dict)
    assert not hasattr(log, "missing")
    with pytest.raises(AttributeError):
        _ = log.missing


def test_plain_error_line_as_ngrok_log() -> None:
    log = NgrokLog("ERROR:  You may not specify both 'region' and 'server_addr'")
    assert (log.lvl, log.levelno, log.format) == ("ERROR", logging.ERROR, "plain")
    assert log.err == log.msg == "You may not specify both 'region' and 'server_addr'"
    assert log.t is None and log.timestamp is None


def test_unparseable_line_is_notset() -> None:
    log = NgrokLog("The authtoken you specified does not look like a proper ngrok tunnel authtoken.")
    assert (log.lvl, log.msg, log.err, log.t) == ("NOTSET", None, None, None)


def test_redaction_scrubs_line_and_values() -> None:
    log = NgrokLog(AUTH)
    log._redact(("badtoken",), "********")
    assert "badtoken" not in log.line
    assert log.err is not None and "badtoken" not in log.err
    assert all("badtoken" not in value for value in log.fields.values())
    assert "Your authtoken: ********" in log.err


def test_process_module_reexports_ngrok_log() -> None:
    import typed_ngrok.process

    assert typed_ngrok.process.NgrokLog is NgrokLog


def test_same_fields_as_pyngrok_on_simple_lines() -> None:
    pyngrok_log = pytest.importorskip("pyngrok.log")
    for line in (WEB, 't=x lvl=warn msg="tunnel not found" pg=/api/tunnels/web id=abc name=web'):
        theirs, ours = pyngrok_log.NgrokLog(line), NgrokLog(line)
        for attr in ("line", "t", "lvl", "msg", "err", "obj", "addr"):
            assert getattr(ours, attr) == getattr(theirs, attr), attr
