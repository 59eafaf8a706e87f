# First hop (design.md "Three layers, two hops"): an AI client obtains a token for an MCP server.
# authorize: the authorization request; refresh: the same decision again with current groups,
# so that a user removed from a group loses the scope at the next refresh; jwt_bearer: an ID-JAG
# from a trusted IdP is exchanged for a token for an MCP server (RFC 7523 grant).
package mcp.authz

first_hop_actions := {"authorize", "refresh", "jwt_bearer"}

first_hop if first_hop_actions[input.action]

base_deny contains reason("unknown_target", msg) if {
	first_hop
	not mcp_server
	msg := concat("", ["resource ", sprintf_free(object.get(input.target, "resource", "(none)")), " is not a registered MCP server"])
}

base_deny contains reason("client_not_allowed", concat("", ["clients of trust level ", input.client.trust, " may not use ", mcp_server.name])) if {
	first_hop
	not input.client.trust in mcp_server.allowed_trust
}

base_deny contains reason("client_not_allowed", concat("", ["client ", input.client.client_id, " is blocked for ", mcp_server.name])) if {
	first_hop
	input.client.client_id in mcp_server.blocked_clients
}

scope_problem contains [s, concat("", ["not offered by ", mcp_server.name])] if {
	first_hop
	some s in requested
	not s in mcp_server.scopes
}

scope_problem contains [s, "not allowed for the subject's groups"] if {
	first_hop
	some s in requested
	not user_scopes[s]
}

target_ttl := mcp_server.max_ttl_seconds if first_hop

target_dpop := object.get(mcp_server, "require_dpop", false) if first_hop
