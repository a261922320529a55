// Drives `agentcred mcp` with the official TypeScript MCP SDK (npm @modelcontextprotocol/sdk)
// over stdio, for tests/mcp.rs. The same environment as mcp_client.py (MCP_COMMAND, MCP_ARGS,
// MCP_ENV, MCP_STEPS with tool steps only); prints one JSON line per event.
const { Client } = require("@modelcontextprotocol/sdk/client/index.js");
const { StdioClientTransport } = require("@modelcontextprotocol/sdk/client/stdio.js");

function emit(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

async function main() {
  const transport = new StdioClientTransport({
    command: process.env.MCP_COMMAND,
    args: JSON.parse(process.env.MCP_ARGS),
    env: JSON.parse(process.env.MCP_ENV),
    stderr: "inherit",
  });
  const client = new Client({ name: "agentcred-test", version: "1.0.0" });
  await client.connect(transport);
  emit({ init: { serverInfo: client.getServerVersion(), capabilities: client.getServerCapabilities() } });
  const tools = await client.listTools();
  emit({ tools: tools.tools });
  for (const step of JSON.parse(process.env.MCP_STEPS || "[]")) {
    const start = performance.now();
    const result = await client.callTool({ name: step.tool, arguments: step.args || {} });
    emit({ tool: step.tool, result, ms: performance.now() - start });
  }
  await client.close();
}

main().catch((e) => {
  console.error("mcp client failed:", e);
  process.exit(1);
});
