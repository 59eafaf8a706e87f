# Mandate as the enterprise IdP issues an Identity Assertion JWT Authorization Grant (ID-JAG) for
# another authorization server (draft-ietf-oauth-identity-assertion-authz-grant): only the
# (audience, resource) pairs listed in data.mandate.id_jag, for the clients and groups listed.
package mcp.authz

id_jag if input.action == "id_jag"

# The allow-list entry for target.audience (and target.resource when given).
id_jag_matches := [e |
	some e in cfg.id_jag
	e.audience == input.target.audience
	resource_listed(e)
]

resource_listed(_) if not non_empty(object.get(input.target, "resource", ""))

resource_listed(e) if input.target.resource in e.resources

id_jag_entry := id_jag_matches[0]

base_deny contains reason("unknown_target", "audience and resource are not an allowed ID-JAG target") if {
	id_jag
	not id_jag_entry
}

base_deny contains reason("client_not_allowed", concat("", ["client ", input.client.client_id, " may not obtain an ID-JAG for ", id_jag_entry.audience])) if {
	id_jag
	not listed_or_any(input.client.client_id, id_jag_entry.clients)
}

base_deny contains reason("group_not_allowed", concat("", ["the subject's groups may not obtain an ID-JAG for ", id_jag_entry.audience])) if {
	id_jag
	not group_listed(id_jag_entry.groups)
}

listed_or_any(x, list) if x in list

listed_or_any(_, list) if "*" in list

group_listed(groups) if "*" in groups

group_listed(groups) if {
	some g in input.subject.groups
	g in groups
}

scope_problem contains [s, concat("", ["not a scope of ", id_jag_entry.audience])] if {
	id_jag
	some s in requested
	not s in id_jag_entry.scopes
}

target_ttl := id_jag_entry.max_ttl_seconds if id_jag

# The ID-JAG's client_id claim when the client is known by another id at that authorization
# server (draft-ietf-oauth-identity-assertion-authz-grant §5); else the service uses the client's own.
extra_obligations := {"client_id": id_jag_entry.client_ids[input.client.client_id]} if id_jag
