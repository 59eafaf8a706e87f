/**
 * Scope strings (RFC 6749 §3.3) and tool-level decisions for MCP servers. The kit decides tool calls
 * locally from the verified token's scopes and a table of what each tool needs, the same rule as
 * the `tool_call` action of Mandate's decision contract (rego/mcp/authz/tool_call.rego: a tool
 * needs all of its listed scopes): no round trip per call, and the answer is the 403
 * `insufficient_scope` step-up challenge MCP clients understand.
 */

/** Splits a space-delimited `scope` value (RFC 6749 §3.3) into distinct scope tokens. */
export function parseScopes(scope: unknown): string[] {
  if (typeof scope !== 'string') return [];
  return [...new Set(scope.split(' ').filter((s) => s !== ''))];
}

/** What each tool of an MCP server needs, e.g. `{ search_accounts: ['crm.read'] }`. */
export type ToolScopes = Readonly<Record<string, readonly string[]>>;

/**
 * The scopes an MCP JSON-RPC message needs before it reaches the server: a `tools/call` needs its
 * tool's scopes (an unlisted tool needs `unlisted`, default none: the MCP server answers it as
 * unknown), every other method none beyond the resource's own. A batch needs the union.
 */
export function scopesForMcpMessage(
  message: unknown,
  tools: ToolScopes,
  unlisted: readonly string[] = [],
): string[] {
  const messages = Array.isArray(message) ? message : [message];
  const needed = new Set<string>();
  for (const m of messages) {
    if (typeof m !== 'object' || m === null) continue;
    const { method, params } = m as { method?: unknown; params?: { name?: unknown } };
    if (method !== 'tools/call') continue;
    const name = typeof params?.name === 'string' ? params.name : undefined;
    const scopes = name !== undefined && Object.hasOwn(tools, name) ? tools[name] : unlisted;
    for (const s of scopes ?? []) needed.add(s);
  }
  return [...needed];
}
