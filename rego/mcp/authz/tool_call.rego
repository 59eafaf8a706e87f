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

# What the MCP server states about the object a tool call acts on (AuthZEN
# resource.properties other than arguments, in input.context.attributes): facts it read from its own
# system before the call, e.g. the opportunity's owner and amount. The policy cannot read the CRM;
# the PEP is trusted for these as for the arguments (AuthZEN 1.0 §12.4), and a fact that is absent
# or of the wrong type denies.
attributes := object.get(input.context, "attributes", {})

# A tool's `owner_attribute` names the attribute that must be the subject (only your own records).
base_deny contains reason("not_owner", concat("", ["tool ", input.context.tool, ": only the ", tool.owner_attribute, " may do this"])) if {
	tool_call
	is_string(tool.owner_attribute)
	object.get(attributes, tool.owner_attribute, null) != input.subject.sub
}

# A tool's `below` maps attributes to limits they must stay under (an amount set in policy data).
base_deny contains reason("over_limit", concat("", ["tool ", input.context.tool, ": ", name, " must be below ", format_int(limit, 10)])) if {
	tool_call
	some name, limit in object.get(tool, "below", {})
	not below(object.get(attributes, name, null), limit)
}

below(v, limit) if {
	is_number(v)
	v < limit
}

# What a resource server needs to act on the decision: every scope the tool needs (a step-up asks
# for them all), and the arguments the audit log must not hold in clear.
extra_obligations := {
	"required_scopes": sort(object.get(tool, "scopes", [])),
	"mask_arguments": sort(object.get(tool, "sensitive_arguments", [])),
} if tool_call
