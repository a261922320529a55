"""Drives `agentcred mcp` with the official Python MCP SDK (PyPI `mcp`) over stdio, as an agent
harness would, for tests/mcp.rs.

Environment:
  MCP_COMMAND  the agentcred binary          MCP_ARGS  its arguments (JSON list)
  MCP_ENV      the server's environment (JSON object)
  MCP_STEPS    what to do after initialize and tools/list (JSON list), each one of:
                 {"tool": NAME, "args": {...}}   call a tool
                 {"revoke": true}                `agentcred creds revoke ID` of the server's
                                                 current credential (ID from the audit log),
                                                 with REVOKE_ENV (JSON object) as environment
                 {"sleep": SECONDS}
Prints one JSON line per event: {"init": ...}, {"tools": [...]}, then one per step.
"""

import asyncio
import json
import os
import subprocess
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def dump(model):
    return model.model_dump(by_alias=True, mode="json", exclude_none=True)


def emit(obj):
    print(json.dumps(obj), flush=True)


def current_credential(home):
    """The credential of the server's newest run (exec.start with broker mcp) on the audit log."""
    found = None
    with open(os.path.join(home, "audit.jsonl")) as f:
        for line in f:
            e = json.loads(line)
            if e.get("action") == "exec.start" and (e.get("details") or {}).get("broker") == "mcp":
                found = e.get("credential_id")
    return found


async def main():
    env = json.loads(os.environ["MCP_ENV"])
    params = StdioServerParameters(
        command=os.environ["MCP_COMMAND"], args=json.loads(os.environ["MCP_ARGS"]), env=env
    )
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            emit({"init": dump(init)})
            tools = await session.list_tools()
            emit({"tools": dump(tools)["tools"]})
            for step in json.loads(os.environ.get("MCP_STEPS", "[]")):
                if "sleep" in step:
                    await asyncio.sleep(step["sleep"])
                    emit({"slept": step["sleep"]})
                elif "revoke" in step:
                    cred = current_credential(env["AGENTCRED_HOME"])
                    rc = subprocess.run(
                        [os.environ["MCP_COMMAND"], "creds", "revoke", cred],
                        env=json.loads(os.environ["REVOKE_ENV"]),
                        capture_output=True,
                    ).returncode
                    emit({"revoked": cred, "code": rc, "at": time.monotonic()})
                else:
                    start = time.monotonic()
                    result = await session.call_tool(step["tool"], step.get("args") or {})
                    emit(
                        {
                            "tool": step["tool"],
                            "result": dump(result),
                            "ms": (time.monotonic() - start) * 1000,
                            "at": time.monotonic(),
                        }
                    )


asyncio.run(main())
