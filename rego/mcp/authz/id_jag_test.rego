package mcp.authz_test

import data.mcp.authz

jag(extra) := merge(
	merge(base, {
		"action": "id_jag",
		"target": {"audience": "https://as.partner-crm.example", "resource": "https://api.partner-crm.example"},
		"scopes": ["partner.read"],
	}),
	extra,
)

test_id_jag_allowed if {
	d := authz.decision with input as jag({})
	d.allow
	d.scopes == ["partner.read"]
	d.ttl_seconds == 300
}

test_id_jag_without_resource_matches_audience if {
	d := authz.decision with input as jag({"target": {"audience": "https://as.partner-crm.example"}})
	d.allow
}

test_id_jag_unlisted_pair if {
	d := authz.decision with input as jag({"target": {"audience": "https://as.partner-crm.example", "resource": "https://api.travel.example/bookings"}})
	not d.allow
	codes(d) == {"unknown_target"}
}

test_id_jag_unknown_audience if {
	d := authz.decision with input as jag({"target": {"audience": "https://as.unknown.example"}})
	not d.allow
	codes(d) == {"unknown_target"}
}

test_id_jag_client_not_listed if {
	d := authz.decision with input as jag({"client": {"client_id": "other", "trust": "registered"}})
	not d.allow
	codes(d) == {"client_not_allowed"}
}

test_id_jag_group_not_listed if {
	d := authz.decision with input as jag({"subject": bob})
	not d.allow
	codes(d) == {"group_not_allowed"}
}

test_id_jag_wildcards if {
	d := authz.decision with input as jag({
		"subject": bob,
		"client": {"client_id": "anything", "trust": "cimd"},
		"target": {"audience": "https://as.travel.example", "resource": "https://api.travel.example/bookings"},
		"scopes": ["bookings.read", "bookings.write"],
	})
	d.allow
	d.scopes == ["bookings.read"]
	codes(d) == {"scope_dropped"}
}

test_id_jag_without_scopes_refused if {
	d := authz.decision with input as jag({"scopes": []})
	not d.allow
	codes(d) == {"scope_not_allowed"}
}

test_id_jag_client_id_mapped if {
	entries := [object.union(data.mandate.id_jag[0], {"client_ids": {"claude-desktop": "crm-client-7"}})]
	d := authz.decision with input as jag({}) with data.mandate.id_jag as entries
	d.allow
	d.obligations == {"require_dpop": false, "client_id": "crm-client-7"}
}

test_id_jag_client_id_unmapped if {
	d := authz.decision with input as jag({})
	d.allow
	d.obligations == {"require_dpop": false}
}
