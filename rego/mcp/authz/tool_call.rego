# Tool calls at an MCP server (MCP authorization spec 2025-11-25, step-up with
# insufficient_scope): target.resource is the MCP server, context.tool the tool, input.scopes the
# scopes of the presented access token. A tool needs all of its listed scopes.
package mcp.authz

tool_call if input.action == "tool_call"

tool := mcp_server.tools[input.context.tool]

base_deny contains reason("unknown_target", "resource is not a registered MCP server") if {
	tool_call
	not mcp_server
}

base_deny contains reason("unknown_tool", concat("", ["tool ", sprintf_free(object.get(input.context, "tool", "(none)")), " is not registered for ", mcp_server.name])) if {
	tool_call
	not tool
}

base_deny contains reason("insufficient_scope", concat(" ", ["tool", input.context.tool, "needs", concat(" ", sort(missing))])) if {
	tool_call
	missing := {s | some s in tool.scopes; not requested[s]}
	count(missing) > 0
}

scope_problem contains [s, concat("", ["not a scope of ", mcp_server.name])] if {
	tool_call
	some s in requested
	not s in mcp_server.scopes
}

target_ttl := cfg.defaults.max_ttl_seconds if tool_call
