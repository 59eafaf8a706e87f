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

# Tool arguments (input.context.arguments, from the AuthZEN access evaluation of a tool call):
# a tool's `subject_argument` names the argument that must be the subject itself unless one of
# the subject's groups is in `any_subject_groups` (e.g. a record read: only your own, or HR).
base_deny contains reason("argument_not_allowed", concat("", ["tool ", input.context.tool, ": ", tool.subject_argument, " must be yourself"])) if {
	tool_call
	is_string(tool.subject_argument)
	object.get(object.get(input.context, "arguments", {}), tool.subject_argument, null) != input.subject.sub
	not any_subject_group
}

any_subject_group if {
	some g in input.subject.groups
	g in object.get(tool, "any_subject_groups", [])
}

# What a resource server needs to act on the decision: every scope the tool needs (a step-up asks
# for them all), and the arguments the audit log must not hold in clear.
extra_obligations := {
	"required_scopes": sort(object.get(tool, "scopes", [])),
	"mask_arguments": sort(object.get(tool, "sensitive_arguments", [])),
} if tool_call
