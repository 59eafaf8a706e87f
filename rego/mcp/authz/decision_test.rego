package mcp.authz_test

import data.mcp.authz

test_result_shape_on_deny if {
	d := authz.decision with input as merge(base, {"action": "authorize", "target": {"resource": "https://nope.example"}})
	d.allow == false
	d.scopes == []
	d.ttl_seconds == 0
	d.obligations == {"require_dpop": false}
}

test_expired_subject_denied if {
	inp := merge(base, {
		"action": "authorize",
		"subject": merge(alice, {"exp": now}),
		"target": {"resource": salesforce_mcp},
		"scopes": ["crm.read"],
	})
	d := authz.decision with input as inp
	not d.allow
	codes(d) == {"subject_expired"}
}

test_ttl_capped_by_subject_lifetime if {
	inp := merge(base, {
		"action": "authorize",
		"subject": merge(alice, {"exp": now + 42}),
		"target": {"resource": salesforce_mcp},
		"scopes": ["crm.read"],
	})
	d := authz.decision with input as inp
	d.allow
	d.ttl_seconds == 42
}

test_ttl_without_subject_exp_is_target_cap if {
	inp := merge(base, {"action": "authorize", "subject": carol, "target": {"resource": salesforce_mcp}, "scopes": ["crm.read"]})
	d := authz.decision with input as inp
	d.ttl_seconds == 3600
}

test_unsupported_action if {
	d := authz.decision with input as merge(base, {"action": "password", "scopes": ["crm.read"]})
	not d.allow
	"unsupported_action" in codes(d)
}

test_non_string_action_reported if {
	d := authz.decision with input as merge(base, {"action": 7})
	some r in d.reasons
	r.code == "unsupported_action"
	contains(r.message, "(not a string)")
}

test_granted_keeps_request_order_without_duplicates if {
	inp := merge(base, {
		"action": "authorize",
		"target": {"resource": salesforce_mcp},
		"scopes": ["crm.write", "crm.read", "crm.write"],
	})
	d := authz.decision with input as inp
	d.scopes == ["crm.write", "crm.read"]
}

test_nothing_grantable_is_scope_not_allowed if {
	inp := merge(base, {"action": "authorize", "subject": bob, "target": {"resource": salesforce_mcp}, "scopes": ["crm.read"]})
	d := authz.decision with input as inp
	not d.allow
	codes(d) == {"scope_not_allowed", "scope_dropped"}
}
