"""JSON-RPC over HTTP POST for the conformance checks: requests, answers read from a JSON body
or an SSE stream, and the judged rows their findings report."""

from __future__ import annotations

import enum
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from golive.checks.base import Unknown
from golive.probes.http import Headers, HttpError, Response, request
from golive.probes.safety import Consent, PinnedTarget, redact_text

__all__ = ["Answer", "Mark", "Probe", "Row", "Session", "rpc"]

_KEEP = 64 * 1024  # body bytes kept per answer: enough for the first SSE event
_SHOWN = 160  # characters of a body shown in a finding
_RESPONSE = {"result", "error"}  # the members that make a JSON-RPC response


class Mark(enum.Enum):
    PASS = "pass"
    FAIL = "FAIL"
    WARN = "warn"
    UNDECIDED = "undecided"
    INFO = "info"  # reported, never part of the verdict


@dataclass(frozen=True, kw_only=True)
class Answer:
    """What came back to one POST: the status and, when there is one, the JSON-RPC response
    in a JSON body or in the first SSE event that carries one."""

    status: int | None  # None: no HTTP answer
    content_type: str = ""
    headers: Headers = field(default_factory=Headers)
    message: dict[str, Any] | None = None
    text: str = ""  # the body's start
    failure: HttpError | None = None

    @property
    def code(self) -> int | None:
        error = self.message.get("error") if self.message else None
        code = error.get("code") if isinstance(error, dict) else None
        return code if isinstance(code, int) and not isinstance(code, bool) else None

    @property
    def result(self) -> bool:
        return self.message is not None and "result" in self.message

    @property
    def server_error(self) -> bool:
        return self.status is not None and self.status >= 500

    def between(self, low: int, high: int) -> bool:
        return self.status is not None and low <= self.status <= high

    def describe(self) -> str:
        if self.status is None:
            return f"no answer ({self.failure})"
        parts = [str(self.status), self.content_type or "no content type"]
        error = self.message.get("error") if self.message else None
        if self.code is not None and isinstance(error, dict):
            text = _short(str(error.get("message", "")), 80)
            parts.append(f"error {self.code} ({text})" if text else f"error {self.code}")
        elif self.message is not None and self.result:
            parts.append(f"result {_short(json.dumps(self.message['result']), 60)}")
        else:
            parts.append(f"body {self.text!r}" if self.text else "empty body")
        return ", ".join(parts)


_Judge = Callable[[Answer], tuple[Mark, str]]


@dataclass(frozen=True, kw_only=True)
class Probe:
    """One test: the message, the headers that make it, and how its answer is judged."""

    name: str  # what it checks, in the user's words
    test: str  # the last part of its rule
    body: bytes
    judge: _Judge
    headers: Mapping[str, str | None] = field(default_factory=dict)  # None removes one
    note: str = ""  # the headers that make the test, as the finding names them
    shown: str = ""  # the body as the finding names it (default: its start)
    expect_continue: bool = False


@dataclass(frozen=True, kw_only=True)
class Row:
    """A judged test, as its finding reports it."""

    name: str
    rule: str
    mark: Mark
    sent: str
    got: str
    why: str

    @property
    def message(self) -> str:
        return f"{self.mark.value}: {self.name}: sent {self.sent}; got {self.got}; {self.why}"


def _short(text: str, limit: int = _SHOWN) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sse_payloads(body: bytes, *, complete: bool) -> Iterator[str]:
    """The data of each SSE event in `body` (the last one only if the body is complete)."""
    text = body.decode("utf-8", "replace").replace("\r\n", "\n").replace("\r", "\n")
    events = text.split("\n\n")
    for event in events if complete else events[:-1]:
        data = [
            line[5:].removeprefix(" ") for line in event.split("\n") if line.startswith("data:")
        ]
        if data:
            yield "\n".join(data)


def _message(response: Response) -> dict[str, Any] | None:
    """The JSON-RPC response in `response`: its JSON body (the first of a batch) or the first
    SSE event carrying one; None when there is none."""
    complete = response.body_size <= len(response.body)
    candidates: Iterable[str] = []
    if response.content_type == "text/event-stream":
        candidates = _sse_payloads(response.body, complete=complete)
    elif complete:
        candidates = [response.body.decode("utf-8", "replace")]
    for payload in candidates:
        try:
            data = json.loads(payload)
        except ValueError:
            continue
        if isinstance(data, list) and data:
            data = data[0]
        if isinstance(data, dict) and data.get("jsonrpc") == "2.0" and data.keys() & _RESPONSE:
            return data
    return None


def rpc(ident: int | None, method: str, params: Any = None, *, size: int = 0) -> bytes:
    """A JSON-RPC request (a notification without `ident`), padded with whitespace before its
    closing brace to `size` bytes: the same message at any size."""
    message: dict[str, Any] = {"jsonrpc": "2.0"}
    if ident is not None:
        message["id"] = ident
    message["method"] = method
    if params is not None:
        message["params"] = params
    text = json.dumps(message, separators=(",", ":"))
    return (text[:-1] + " " * max(0, size - len(text)) + "}").encode()


class Session:
    """The requests of one conformance run: the endpoint, the headers every request carries,
    and the secrets kept out of findings."""

    def __init__(self, target: PinnedTarget, path: str, *, accept: str, timeout: float) -> None:
        self.target = target
        self.path = path
        self.timeout = timeout
        self.headers: dict[str, str] = {"Content-Type": "application/json", "Accept": accept}
        token = (target.credential or "").rpartition(" ")[2]  # "Bearer <token>": the token too
        self.secrets: list[str | None] = [target.credential, token]

    def post(
        self,
        body: bytes,
        headers: Mapping[str, str | None] | None = None,
        *,
        expect_continue: bool = False,
        required: bool = False,
    ) -> Answer:
        """POST `body` with the session's headers changed by `headers`. With `required` a
        transport failure ends the check `unknown`."""
        merged = {**self.headers, **(headers or {})}
        try:
            response = request(
                self.target,
                "POST",
                self.path,
                headers=[(k, v) for k, v in merged.items() if v is not None],
                body=body,
                consent=Consent.ACTIVE,
                timeout=self.timeout,
                keep=_KEEP,
                expect_continue=expect_continue,
                credentials=self.target.credential is not None,
            )
        except HttpError as exc:
            if required:
                raise Unknown(f"POST {self.target.url(self.path)} failed: {exc}") from None
            return Answer(status=None, failure=exc)
        return Answer(
            status=response.status,
            content_type=response.content_type,
            headers=response.headers,
            message=_message(response),
            text=_short(response.body[:_SHOWN].decode("utf-8", "replace")),
        )

    def run(self, probe: Probe, check: str, *, required: bool = False) -> tuple[Row, Answer]:
        answer = self.post(
            probe.body, probe.headers, expect_continue=probe.expect_continue, required=required
        )
        mark, why = probe.judge(answer)
        sent = probe.shown or _short(probe.body.decode("utf-8", "replace"), 100)
        row = Row(
            name=probe.name,
            rule=f"{check}.{probe.test}",
            mark=mark,
            sent=self.sent(sent, probe.note),
            got=self.show(answer),
            why=why,
        )
        return row, answer

    def show(self, answer: Answer) -> str:
        """What a finding says came back, secrets removed."""
        return redact_text(answer.describe(), self.secrets)

    def sent(self, shown: str, note: str = "") -> str:
        return f"POST {self.path} {shown}" + (f" [{note}]" if note else "")
