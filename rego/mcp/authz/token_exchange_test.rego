package mcp.authz_test

import data.mcp.authz

sf_actor := {"sub": "mcp-salesforce", "client_id": "mcp-salesforce"}

wd_actor := {"sub": "mcp-workday", "client_id": "mcp-workday"}

sf_api := "https://api.salesforce.example"

wd_api := "https://api.workday.example"

xchg(extra) := merge(
	merge(base, {
		"action": "token_exchange",
		"actor": sf_actor,
		"target": {"resource": sf_api, "audience": sf_api},
		"scopes": ["crm.read"],
	}),
	extra,
)

test_exchange_allowed if {
	d := authz.decision with input as xchg({})
	d.allow
	d.scopes == ["crm.read"]
	d.ttl_seconds == 300
	d.obligations.require_dpop == false
}

test_exchange_by_audience_alias_only if {
	d := authz.decision with input as xchg({"target": {"audience": "salesforce"}})
	d.allow
}

test_exchange_by_resource_only if {
	d := authz.decision with input as xchg({"target": {"resource": sf_api}})
	d.allow
}

test_exchange_without_target if {
	d := authz.decision with input as xchg({"target": {"resource": ""}})
	not d.allow
	codes(d) == {"unknown_target"}
}

test_exchange_unknown_target if {
	d := authz.decision with input as xchg({"target": {"audience": "https://api.github.example"}})
	not d.allow
	codes(d) == {"unknown_target"}
}

test_exchange_resource_and_audience_disagree if {
	d := authz.decision with input as xchg({"target": {"resource": sf_api, "audience": wd_api}})
	not d.allow
	some r in d.reasons
	r == {"code": "unknown_target", "message": "resource and audience name different services"}
}

test_exchange_one_known_one_unknown_identifier if {
	d := authz.decision with input as xchg({"target": {"resource": sf_api, "audience": "https://x.example"}})
	not d.allow
	codes(d) == {"unknown_target"}
}

test_exchange_without_actor if {
	d := authz.decision with input as json.remove(xchg({}), ["actor"])
	not d.allow
	codes(d) == {"actor_not_allowed"}
}

test_exchange_actor_by_sub_when_no_client_id if {
	d := authz.decision with input as xchg({"actor": {"sub": "mcp-salesforce"}})
	d.allow
}

test_exchange_wrong_actor_for_service if {
	d := authz.decision with input as xchg({"actor": wd_actor})
	not d.allow
	codes(d) == {"actor_not_allowed"}
}

test_exchange_unknown_actor if {
	d := authz.decision with input as xchg({"actor": {"sub": "rogue", "client_id": "rogue"}})
	not d.allow
	codes(d) == {"actor_not_allowed"}
}

test_exchange_narrows_to_group_scopes if {
	d := authz.decision with input as xchg({"subject": carol, "scopes": ["crm.read", "crm.write"]})
	d.allow
	d.scopes == ["crm.read"]
	codes(d) == {"scope_dropped"}
}

test_exchange_no_grantable_scope if {
	d := authz.decision with input as xchg({"subject": bob, "scopes": ["crm.write"]})
	not d.allow
	"scope_not_allowed" in codes(d)
}

test_exchange_without_scopes_refused if {
	d := authz.decision with input as xchg({"scopes": []})
	not d.allow
	codes(d) == {"scope_not_allowed"}
}

wd(extra) := xchg(merge(
	{
		"actor": wd_actor,
		"target": {"resource": wd_api},
		"scopes": ["hr.timeoff.read"],
		"context": {"dpop_jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"},
	},
	extra,
))

test_workday_requires_dpop if {
	d := authz.decision with input as wd({"context": {}})
	not d.allow
	codes(d) == {"dpop_required"}
	d.obligations.require_dpop
}

test_workday_with_dpop_allowed if {
	d := authz.decision with input as wd({})
	d.allow
	d.scopes == ["hr.timeoff.read"]
	d.obligations.require_dpop
}

test_workday_records_need_recent_login if {
	d := authz.decision with input as wd({
		"subject": bob,
		"scopes": ["hr.records.read", "hr.timeoff.read"],
		"context": {"dpop_jkt": "k", "auth_time": now - 901},
	})
	d.allow
	d.scopes == ["hr.timeoff.read"]
	d.reasons == [{"code": "scope_dropped", "message": "scope hr.records.read: requires a login within the last 900 s (step-up)"}]
}

test_workday_records_with_recent_login if {
	d := authz.decision with input as wd({
		"subject": bob,
		"scopes": ["hr.records.read"],
		"context": {"dpop_jkt": "k", "auth_time": now - 60},
	})
	d.allow
	d.scopes == ["hr.records.read"]
}

test_workday_records_refused_to_non_hr if {
	d := authz.decision with input as wd({"scopes": ["hr.records.read"], "context": {"dpop_jkt": "k", "auth_time": now}})
	not d.allow
	"scope_not_allowed" in codes(d)
}

test_exchange_scope_of_other_service_dropped if {
	d := authz.decision with input as xchg({"scopes": ["crm.read", "hr.profile.read"]})
	d.allow
	d.scopes == ["crm.read"]
	some r in d.reasons
	r.message == "scope hr.profile.read: not a scope of salesforce"
}

# Approvals (ADR 0014): a Workday time-off request of more than 5 days waits for the user.
time_off(days) := wd({
	"scopes": ["hr.timeoff.write"],
	"context": {"dpop_jkt": "k", "tool": "request_time_off", "arguments": {"days": days}},
})

test_workday_long_time_off_requires_approval if {
	d := authz.decision with input as time_off(8)
	d.allow
	d.obligations.require_approval == {"binding_message": "Time off of more than 5 days needs your approval", "ttl_seconds": 900}
}

test_workday_short_time_off_needs_no_approval if {
	d := authz.decision with input as time_off(5)
	d.allow
	not d.obligations.require_approval
}

test_workday_time_off_not_a_number_requires_approval if {
	d := authz.decision with input as time_off("3")
	d.obligations.require_approval.binding_message == "Time off of more than 5 days needs your approval"
}

test_workday_time_off_without_the_argument_needs_no_approval if {
	d := authz.decision with input as wd({
		"scopes": ["hr.timeoff.write"],
		"context": {"dpop_jkt": "k", "tool": "request_time_off", "arguments": {}},
	})
	not d.obligations.require_approval
}

test_workday_exchange_without_a_tool_needs_no_approval if {
	d := authz.decision with input as wd({"scopes": ["hr.timeoff.write"]})
	not d.obligations.require_approval
}
