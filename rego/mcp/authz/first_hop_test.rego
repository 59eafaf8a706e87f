package mcp.authz_test

import data.mcp.authz

hop(action, extra) := merge(merge(base, {"action": action, "target": {"resource": salesforce_mcp}, "scopes": ["crm.read"]}), extra)

test_authorize_allowed if {
	d := authz.decision with input as hop("authorize", {})
	d.allow
	d.scopes == ["crm.read"]
	d.ttl_seconds == 3600
	d.reasons == []
}

test_refresh_and_jwt_bearer_follow_the_same_rules if {
	every action in ["refresh", "jwt_bearer"] {
		d := authz.decision with input as hop(action, {})
		d.allow
		d.scopes == ["crm.read"]
	}
}

test_refresh_after_leaving_group_loses_scope if {
	d := authz.decision with input as hop("refresh", {"subject": merge(alice, {"groups": []})})
	not d.allow
	"scope_not_allowed" in codes(d)
}

test_unknown_resource if {
	d := authz.decision with input as hop("authorize", {"target": {"resource": "https://mcp.evil.example/mcp"}})
	not d.allow
	"unknown_target" in codes(d)
}

test_missing_resource if {
	d := authz.decision with input as hop("authorize", {"target": {}})
	some r in d.reasons
	r.code == "unknown_target"
	contains(r.message, "(none)")
}

test_dynamic_client_allowed_for_salesforce_mcp if {
	d := authz.decision with input as hop("authorize", {"client": {"client_id": "dyn-1", "trust": "dynamic"}})
	d.allow
}

test_dynamic_client_refused_for_workday_mcp if {
	inp := hop("authorize", {
		"client": {"client_id": "dyn-1", "trust": "dynamic"},
		"target": {"resource": workday_mcp},
		"scopes": ["hr.profile.read"],
	})
	d := authz.decision with input as inp
	not d.allow
	codes(d) == {"client_not_allowed"}
}

test_cimd_client_allowed_for_workday_mcp if {
	inp := hop("authorize", {
		"client": {"client_id": "https://client.example/meta.json", "trust": "cimd"},
		"target": {"resource": workday_mcp},
		"scopes": ["hr.profile.read"],
	})
	d := authz.decision with input as inp
	d.allow
}

test_blocked_client if {
	d := authz.decision with input as hop("authorize", {}) with data.mandate.mcp_servers["https://mcp.salesforce.example/mcp"].blocked_clients as ["claude-desktop"]
	not d.allow
	codes(d) == {"client_not_allowed"}
}

test_partial_grant_explains_dropped_scopes if {
	d := authz.decision with input as hop("authorize", {"subject": carol, "scopes": ["crm.read", "crm.write", "hr.records.read"]})
	d.allow
	d.scopes == ["crm.read"]
	d.reasons == [
		{"code": "scope_dropped", "message": "scope crm.write: not allowed for the subject's groups"},
		{"code": "scope_dropped", "message": "scope hr.records.read: not allowed for the subject's groups"},
		{"code": "scope_dropped", "message": "scope hr.records.read: not offered by Salesforce MCP"},
	]
}

test_authorize_without_scopes_allowed if {
	d := authz.decision with input as hop("authorize", {"scopes": []})
	d.allow
	d.scopes == []
}

test_first_hop_dpop_obligation_from_data if {
	d := authz.decision with input as hop("authorize", {}) with data.mandate.mcp_servers["https://mcp.salesforce.example/mcp"].require_dpop as true
	d.obligations.require_dpop
}
