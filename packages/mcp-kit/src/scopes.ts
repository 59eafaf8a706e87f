/**
 * Scope strings (RFC 6749 §3.3). Which scopes a tool call needs is the policy's to say (the
 * `tool_call` action, asked through {@link createToolPolicy}), not a table in the MCP server.
 */

/** Splits a space-delimited `scope` value (RFC 6749 §3.3) into distinct scope tokens. */
export function parseScopes(scope: unknown): string[] {
  if (typeof scope !== 'string') return [];
  return [...new Set(scope.split(' ').filter((s) => s !== ''))];
}
