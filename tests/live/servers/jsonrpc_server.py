"""Plain JSON-RPC 2.0 servers over HTTP (Starlette), correct and broken, for the
jsonrpc.conformance tests.

    python jsonrpc_server.py --port N [--mode good|broken|plain] [--max-body BYTES]

`good` answers as JSON-RPC 2.0 says (methods `ping` and `echo`), checking the request's shape
before its method; `dispatch` looks the method up first, so `params: 42` on an unknown method
gets -32601 (and -32602 on a known one); `broken` answers 200 with a result to anything and a
500 to invalid JSON; `plain` rejects every bad message with a plain 400 text and knows no
JSON-RPC error but -32601. `--max-body` answers 413 above that
many bytes, before reading the body.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

METHODS: dict[str, Callable[[Any], Any]] = {"ping": lambda params: "pong", "echo": lambda p: p}


def _error(ident: Any, code: int, message: str) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": ident, "error": {"code": code, "message": message}}


def _answer(message: Any, *, dispatch_first: bool = False) -> dict[str, Any] | None:
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        return _error(None, -32600, "Invalid Request")
    ident = message.get("id")
    method = message.get("method")
    if not isinstance(method, str) or not isinstance(ident, str | int | None):
        return _error(None, -32600, "Invalid Request")
    params = message.get("params", [])
    if method not in METHODS and dispatch_first:
        return _error(ident, -32601, "Method not found")
    if not isinstance(params, list | dict):
        if dispatch_first:
            return _error(ident, -32602, "Invalid params")
        return _error(ident, -32600, "Invalid Request: params must be an array or an object")
    if method not in METHODS:
        return _error(ident, -32601, "Method not found")
    if "id" not in message:
        return None  # a notification
    return {"jsonrpc": "2.0", "id": ident, "result": METHODS[method](params)}


def build(mode: str = "good", max_body: int | None = None, path: str = "/rpc") -> Starlette:
    first = mode == "dispatch"

    async def endpoint(request: Request) -> Response:
        length = request.headers.get("content-length")
        if max_body is not None and length is not None and int(length) > max_body:
            return PlainTextResponse("Content Too Large", status_code=413)
        raw = await request.body()
        if mode == "broken":
            data = json.loads(raw)  # invalid JSON: an unhandled exception, a 500
            ident = data.get("id") if isinstance(data, dict) else None
            return JSONResponse({"jsonrpc": "2.0", "id": ident, "result": "ok"})
        try:
            data = json.loads(raw)
        except ValueError:
            if mode == "plain":
                return PlainTextResponse("bad request", status_code=400)
            return JSONResponse(_error(None, -32700, "Parse error"))
        if isinstance(data, list) and data:
            answers = [a for a in (_answer(m, dispatch_first=first) for m in data) if a]
            return JSONResponse(answers) if answers else Response(status_code=204)
        answer = _answer(data, dispatch_first=first)
        if answer is None:
            return Response(status_code=204)
        if mode == "plain" and answer.get("error", {}).get("code") != -32601:
            return PlainTextResponse("bad request", status_code=400)
        return JSONResponse(answer)

    return Starlette(routes=[Route(path, endpoint, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["good", "dispatch", "broken", "plain"], default="good")
    parser.add_argument("--max-body", type=int)
    args = parser.parse_args()
    app = build(args.mode, args.max_body)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
