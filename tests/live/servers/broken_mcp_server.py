"""A broken MCP server (Starlette): it answers 200 with a result to anything, issues a session
id it never checks (and echoes it back in every result), and ignores Origin and
MCP-Protocol-Version -- every mistake mcp.conformance looks for.

    python broken_mcp_server.py --port N [--crash-on-bad-json] [--version 2025-03-26] [--no-ping]
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

SESSION_ID = "b7e1c0ffee5e551011d0000000000042"  # the one session id it hands out


def build(
    *,
    crash_on_bad_json: bool = False,
    version: str = "2025-11-25",
    ping: bool = True,
    path: str = "/mcp",
) -> Starlette:
    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        try:
            data: Any = json.loads(raw)
        except ValueError:
            if crash_on_bad_json:
                raise
            data = {}
        message = data if isinstance(data, dict) else {}
        if "id" not in message and "method" in message:
            return Response(status_code=202)
        result: dict[str, Any] = {"session": request.headers.get("mcp-session-id")}
        if message.get("method") == "initialize":
            result = {
                "protocolVersion": version,
                "capabilities": {"tools": {}},
                "serverInfo": {"name": "broken", "version": "0"},
            }
        elif message.get("method") == "tools/list":
            result["tools"] = []
        elif message.get("method") == "ping" and not ping:
            error = {"code": -32601, "message": "Method not found"}
            return JSONResponse({"jsonrpc": "2.0", "id": message.get("id"), "error": error})
        body = {"jsonrpc": "2.0", "id": message.get("id"), "result": result}
        return JSONResponse(body, headers={"Mcp-Session-Id": SESSION_ID})

    return Starlette(routes=[Route(path, endpoint, methods=["POST"])])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--crash-on-bad-json", action="store_true")
    parser.add_argument("--version", default="2025-11-25")
    parser.add_argument("--no-ping", action="store_true")
    args = parser.parse_args()
    app = build(
        crash_on_bad_json=args.crash_on_bad_json, version=args.version, ping=not args.no_ping
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
