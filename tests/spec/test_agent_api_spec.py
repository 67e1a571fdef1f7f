"""Spec truthfulness: ``openapi/agent-api.yaml`` against the real ngrok 2.3.41 agent, with schemathesis (pinned).

What it checks
  ``test_spec_holds_against_the_real_agent`` runs schemathesis' engine (what ``schemathesis run`` runs) over every
  operation 2.3.41 serves: ``GET /api``, tunnels list/start/get/stop, captured requests list/replay/delete/get.
  The operations tagged ``v3`` (``/api/status``, ``/api/endpoints…``) are excluded: 2.3.41 answers them 404 on any
  method, as the spec says. Phases: examples (the spec has none), coverage, fuzzing and stateful (the spec's links
  plus the ones schemathesis infers: list tunnels then get/stop one, list captured requests then get/replay one). Every
  check is on (status codes, content types, response schemas and headers, positive/negative data, unsupported
  methods, Allow header, use after free, resource availability…) and must report 0 failures and 0 errors.
  It runs twice: once asking for JSON and once with ``Accept: application/xml``, whose answers (same statuses, XML
  bodies) the spec documents too; the XML run has no stateful phase (links read JSON bodies). The agent runs through
  the local edge with one real upstream, so tunnels and captured requests exist; after every DELETE the run answered
  204 a hook starts a new seed tunnel if the last one is gone (under a new name: a deleted name must stay gone) and
  sends one request through it, so the captured-request operations always have an entry to work on.

  Two narrow exceptions, both documented in the spec:
  - ``POST /api/tunnels``: 2.3.41 refuses some schema-valid definitions for reasons a JSON schema does not carry
    (a URL addr on a tcp tunnel, hostname with subdomain, a character outside the BMP…). ``filter_failure`` drops
    such a "valid data rejected" failure only when the answer is 400 with error_code 102 and one of those texts
    (``_SEMANTIC_REFUSALS``); a refusal for a missing name, proto or addr still fails. Likewise a 502 with
    error_code 103 and the server's ERR_NGROK_ text (the edge refused the bind, documented for this operation) is
    not counted as an agent error. XML answers carry no details, so the XML run checks only the error code there.
  - ``POST /api/tunnels``: ``negative_data_rejection`` is off. 2.3.41 ignores keys it does not know (all the
    v3-only keys), reads null as absent and numbers as strings, so it accepts bodies the v2/v3 schema calls
    invalid; the schema states what to send, not what 2.3.41 tolerates.

  ``test_pending_captured_request_matches_spec`` pins the shape of a captured request whose upstream has not
  answered yet (2.3.41 sends an empty response object with null headers and raw), which the fuzzing run only meets
  by chance.

How it is bounded
  One agent per module. ``max-examples`` (12 per operation) and ``max-steps`` (6 per stateful scenario) are small;
  Hypothesis is derandomized with a fixed seed and no example database, schemathesis' cache is off, one worker: the
  same requests in the same order on every run (the agent's answers carry random ids and ports, which the checks do
  not depend on; two runs give the same case counts). The whole module takes about 20 s on 2 cores. schemathesis
  talks only to the agent's API on 127.0.0.1; the seeding hook also talks to the local edge on loopback.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis import Case, HookContext, Response
from schemathesis.core.failures import Failure, ServerError
from schemathesis.engine import Status, events, from_schema
from schemathesis.engine.recorder import ScenarioRecorder
from schemathesis.openapi.checks import RejectedPositiveData

from tests.integration.ngrok_env import ROOT, agent_config, http_upstream, hung_server, needs_agent
from typed_ngrok import ngrok
from typed_ngrok.conf import PyngrokConfig

pytestmark = [pytest.mark.integration, needs_agent, pytest.mark.timeout(120)]

SPEC = ROOT / "openapi" / "agent-api.yaml"
SEED = 20261130
MAX_EXAMPLES = 12
MAX_STEPS = 6
SEED_TUNNEL = "seed"

# Every operation 2.3.41 serves; the v3-tagged ones are excluded from the run.
V2_OPERATIONS = frozenset(
    {
        "GET /api",
        "GET /api/tunnels",
        "POST /api/tunnels",
        "GET /api/tunnels/{name}",
        "DELETE /api/tunnels/{name}",
        "GET /api/requests/http",
        "POST /api/requests/http",
        "DELETE /api/requests/http",
        "GET /api/requests/http/{id}",
    }
)

# 2.3.41's own texts (details.err of a 400 with error_code 102) for definitions that are schema-valid but refused as
# a whole; see the TunnelDefinition description in the spec.
_SEMANTIC_REFUSALS = re.compile(
    r"specifies a URL instead of a host address"
    r"|specifies an invalid or malformed address"
    r"|must not specify both hostname and subdomain"
    r"|specifies invalid 'remote_addr'"
    r"|no such file or directory"
    r"|specified client CA roots but no crt and key"
    r"|yaml: found invalid Unicode character escape code"
)
# XML error bodies drop details: there only the code can be checked; the JSON run is the one that checks the reasons.
XML_REFUSAL = "<no details in XML>"


@dataclass
class LiveAgent:
    """The running agent, its loopback API and the upstream behind the seed tunnel."""

    api_url: str
    config: PyngrokConfig
    upstream_port: int
    seed_tunnel: str = SEED_TUNNEL
    started: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reseed(self) -> None:
        """Make sure a seed tunnel exists and has a captured request (a DELETE may have removed either). A deleted
        seed tunnel is replaced under a new name: its own name must stay gone (schemathesis checks use after free)."""
        with self.lock, httpx.Client(base_url=self.api_url, timeout=15, trust_env=False) as api:
            found = api.get(f"/api/tunnels/{self.seed_tunnel}")
            if found.status_code == 404:
                self.started += 1
                self.seed_tunnel = f"{SEED_TUNNEL}-{self.started}"
                body = {"name": self.seed_tunnel, "addr": str(self.upstream_port), "proto": "http", "bind_tls": False}
                found = api.post("/api/tunnels", json=body)
            found.raise_for_status()
            public_url = found.json()["public_url"]
            assert public_url.startswith("http://localhost:"), public_url
            httpx.post(f"{public_url}/seeded", content=b'{"seeded": true}', timeout=15, trust_env=False)


@pytest.fixture(scope="module")
def live_agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveAgent]:
    cfg = agent_config(tmp_path_factory.mktemp("spec"))
    with http_upstream() as upstream:
        try:
            process = ngrok.get_ngrok_process(cfg)
            assert process.api_url is not None and process.api_url.startswith("http://127.0.0.1:"), process.api_url
            port = upstream.server_address[1]
            ngrok.connect(port, name=SEED_TUNNEL, bind_tls=False, pyngrok_config=cfg)
            agent = LiveAgent(api_url=process.api_url, config=cfg, upstream_port=port)
            agent.reseed()
            yield agent
        finally:
            ngrok.kill(cfg)


@dataclass
class RunReport:
    """What one schemathesis run did, and what failed."""

    cases: int = 0
    operations: set[str] = field(default_factory=set)
    phases: dict[str, Status] = field(default_factory=dict)
    transitions_applied: int = 0
    failures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        shown = "\n\n".join(self.failures[:15] + self.errors[:15])
        return (
            f"{self.cases} cases, {len(self.failures)} failed checks, {len(self.errors)} errors, "
            f"phases {self.phases}, {self.transitions_applied} link transitions applied, "
            f"documented refusals dropped {dict(self.dropped)}\n\n{shown}"
        )


def _describe(recorder: ScenarioRecorder, case_id: str, failure: Failure) -> str:
    interaction = recorder.interactions.get(case_id)
    lines = [f"{recorder.label}: [{failure.code}] {failure.title}: {failure.message}"]
    if interaction is not None:
        request = interaction.request
        body = (request.body or b"")[:400].decode(errors="replace")
        lines.append(f"  request: {request.method} {request.uri} {body}")
        if interaction.response is not None:
            answer = interaction.response.content[:400].decode(errors="replace")
            lines.append(f"  answer: {interaction.response.status_code} {answer}")
    return "\n".join(lines)


def _start_tunnel_refusal(case: Case[Any], response: Response, status: int, error_code: int) -> str | None:
    """``details.err`` of a ``POST /api/tunnels`` answer with this status and error_code, else None. XML answers
    carry no details: for them the text is ``XML_REFUSAL``."""
    if case.operation.label != "POST /api/tunnels" or response.status_code != status:
        return None
    if "xml" in "".join(response.headers.get("content-type", [])):
        found = re.search(rb"<ErrorCode>(\d+)</ErrorCode>", response.content)
        return XML_REFUSAL if found is not None and int(found.group(1)) == error_code else None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("error_code") != error_code:
        return None
    details = body.get("details")
    err = details.get("err") if isinstance(details, dict) else None
    return err if isinstance(err, str) else None


def _documented_refusal(failure: Failure, case: Case[Any], response: Response) -> str | None:
    """Why ``failure`` is the spec's documented behaviour rather than a gap, or None. Two cases only:
    a schema-valid definition 2.3.41 refuses as a whole (400, code 102, one of ``_SEMANTIC_REFUSALS``), and a bind
    the edge refused (502, code 103, the server's ERR_NGROK_ text), which the spec documents for POST /api/tunnels
    and which is not an agent fault (``not_a_server_error`` counts every 5xx)."""
    if isinstance(failure, RejectedPositiveData):
        err = _start_tunnel_refusal(case, response, 400, 102)
        if err == XML_REFUSAL:
            return "XML: invalid tunnel configuration (102)"
        if err is not None and (match := _SEMANTIC_REFUSALS.search(err)):
            return match.group(0)
    if isinstance(failure, ServerError):
        err = _start_tunnel_refusal(case, response, 502, 103)
        if err == XML_REFUSAL:
            return "XML: failed to start tunnel (103)"
        if err is not None and (match := re.search(r"ERR_NGROK_\d+", err)):
            return f"edge refused the bind ({match.group(0)})"
    return None


def _run_schemathesis(agent: LiveAgent, accept: str, *, stateful: bool) -> RunReport:
    config = schemathesis.Config.from_dict(
        {
            "base-url": agent.api_url,
            "seed": SEED,
            "workers": 1,
            "continue-on-failure": True,
            "request-timeout": 15,
            "cache": {"enabled": False},
            "headers": {"Accept": accept},
            "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
            # Links read JSON bodies: the stateful phase runs in the JSON run only.
            "phases": {"stateful": {"enabled": stateful, "max-steps": MAX_STEPS}},
            "operations": [
                {"include-operation-id": "startTunnel", "checks": {"negative_data_rejection": {"enabled": False}}}
            ],
        }
    )
    schema = schemathesis.openapi.from_path(SPEC, config=config).exclude(tag="v3")
    report = RunReport()

    def after_call(context: HookContext, case: Case[Any], response: Response) -> None:
        if case.method.upper() == "DELETE" and response.status_code == 204:
            agent.reseed()

    def filter_failure(context: HookContext, failure: Failure, case: Case[Any], response: Response) -> bool:
        reason = _documented_refusal(failure, case, response)
        if reason is None:
            return True
        report.dropped[reason] += 1
        return False

    schema.hooks.register_hook_with_name(after_call, "after_call")
    schema.hooks.register_hook_with_name(filter_failure, "filter_failure")

    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            recorder = event.recorder
            report.cases += len(recorder.cases)
            if event.status != Status.SKIP:
                report.operations.add(recorder.label)
            report.transitions_applied += sum(node.is_transition_applied for node in recorder.cases.values())
            for case_id, checks in recorder.checks.items():
                for check in checks:
                    if check.status == Status.FAILURE and check.failure_info is not None:
                        report.failures.append(_describe(recorder, case_id, check.failure_info.failure))
        elif isinstance(event, events.PhaseFinished):
            report.phases[event.phase.name.value] = event.status
        elif isinstance(event, events.NonFatalError):
            report.errors.append(f"{event.label}: {event.info.title}: {event.info.message}")
        elif isinstance(event, events.FatalError):
            report.errors.append(f"fatal: {event.exception!r}")
    return report


@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_spec_holds_against_the_real_agent(
    live_agent: LiveAgent, accept: str, record_property: Callable[[str, object], None]
) -> None:
    stateful = accept == "application/json"
    report = _run_schemathesis(live_agent, accept, stateful=stateful)
    record_property("schemathesis_cases", report.cases)
    record_property("schemathesis_failed_checks", len(report.failures))

    assert not report.failures and not report.errors, report.summary()
    # Nothing was skipped: every served operation ran, every phase ran, the stateful phase followed links.
    assert report.operations >= V2_OPERATIONS, report.summary()
    phases = {"coverage", "fuzzing", "stateful"} if stateful else {"coverage", "fuzzing"}
    assert phases <= {name for name, status in report.phases.items() if status == Status.SUCCESS}, report.summary()
    assert report.transitions_applied > 0 or not stateful, report.summary()


def test_pending_captured_request_matches_spec(live_agent: LiveAgent) -> None:
    schema = schemathesis.openapi.from_path(SPEC)
    with hung_server() as port, httpx.Client(base_url=live_agent.api_url, timeout=15, trust_env=False) as api:
        tunnel = ngrok.connect(port, name="pending", bind_tls=False, pyngrok_config=live_agent.config)
        assert tunnel.public_url is not None
        public_url = tunnel.public_url

        def send() -> None:
            # The hung upstream never answers; the request ends when the tunnel closes.
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{public_url}/slow", timeout=httpx.Timeout(15, read=30), trust_env=False)

        client = threading.Thread(target=send, daemon=True)
        client.start()
        try:
            pending = _await_pending(api)
            listed = api.get("/api/requests/http", params={"tunnel_name": "pending"})
            one = api.get(f"/api/requests/http/{pending}")
            # 2.3.41's pending shape, as the spec describes it (and as typed_ngrok reads it).
            entry = one.json()
            assert entry["response"] == {"status": "", "status_code": 0, "proto": "", "headers": None, "raw": None}
            schema["/api/requests/http"]["GET"].validate_response(listed)
            schema["/api/requests/http/{id}"]["GET"].validate_response(one)
        finally:
            ngrok.disconnect(public_url, live_agent.config)
    client.join(40)


def _await_pending(api: httpx.Client) -> str:
    """The id of the captured request on the ``pending`` tunnel, once the agent lists it (it does so as soon as the
    request reaches it; the upstream never answers)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = api.get("/api/requests/http", params={"tunnel_name": "pending"}).json()["requests"]
        if found:
            request_id = found[0]["id"]
            assert isinstance(request_id, str)
            return request_id
        time.sleep(0.05)
    raise AssertionError("the agent never listed the pending request")
