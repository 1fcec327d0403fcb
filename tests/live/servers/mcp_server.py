"""An MCP server built with the official Python SDK (`MCPServer`, mcp 2.x), served over
streamable HTTP by uvicorn on 127.0.0.1, for the mcp.conformance tests.

    python mcp_server.py --port N [--mode stateful|stateless] [--json]
                         [--security default|strict|off] [--host-setting HOST]
                         [--max-body BYTES]

`--security default` leaves the choice to the SDK: it turns DNS-rebinding protection (Host and
Origin validation) on only when the app is told it serves a loopback name
(`--host-setting 127.0.0.1`, the SDK's default); an app set up for deployment
(`--host-setting 0.0.0.0`) gets no Origin check. `strict` passes explicit
`TransportSecuritySettings` allowing the loopback hosts and origins; `off` turns it off.
"""

from __future__ import annotations

import argparse

import uvicorn
from mcp.server.mcpserver import MCPServer
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE, TransportSecuritySettings
from starlette.applications import Starlette


def build(
    *,
    mode: str = "stateful",
    json_response: bool = False,
    security: str = "strict",
    host_setting: str = "127.0.0.1",
    max_body: int = DEFAULT_MAX_REQUEST_BODY_SIZE,
) -> Starlette:
    server = MCPServer("golive-test")

    @server.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return text

    settings: TransportSecuritySettings | None = None
    if security == "strict":
        settings = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=["127.0.0.1:*", "localhost:*"],
            allowed_origins=["http://127.0.0.1:*", "http://localhost:*"],
        )
    elif security == "off":
        settings = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    return server.streamable_http_app(
        json_response=json_response,
        stateless_http=mode == "stateless",
        transport_security=settings,
        host=host_setting,
        max_request_body_size=max_body,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=["stateful", "stateless"], default="stateful")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--security", choices=["default", "strict", "off"], default="strict")
    parser.add_argument("--host-setting", default="127.0.0.1")
    parser.add_argument("--max-body", type=int, default=DEFAULT_MAX_REQUEST_BODY_SIZE)
    args = parser.parse_args()
    app = build(
        mode=args.mode,
        json_response=args.json,
        security=args.security,
        host_setting=args.host_setting,
        max_body=args.max_body,
    )
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
