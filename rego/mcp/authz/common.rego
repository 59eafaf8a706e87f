# Lookups over data.mandate shared by the action files (schema: rego/README.md "Data").
package mcp.authz

cfg := data.mandate

# Scopes the subject's groups may receive; "*" lists what every authenticated user gets.
user_scopes contains s if some s in cfg.group_scopes["*"]

user_scopes contains s if {
	some g in input.subject.groups
	some s in cfg.group_scopes[g]
}

# The downstream service that an identifier (resource URL or audience) names.
service_for(id) := name if {
	some name, svc in cfg.services
	id_of(svc, id)
}

id_of(svc, id) if svc.resource == id

id_of(svc, id) if id in svc.audiences

# The MCP server (first-hop protected resource) named by target.resource.
mcp_server := cfg.mcp_servers[input.target.resource]

# The calling MCP server's identity for the second hop: its client_id, else its sub.
actor_id := input.actor.client_id

actor_id := input.actor.sub if not input.actor.client_id

# Call it on object.get(...) rather than on a bare reference: the compiler hoists a call's
# arguments out of `not`, so `not non_empty(input.a.b)` would be false when input.a.b is absent.
non_empty(x) if {
	is_string(x)
	x != ""
}
