package mcp.authz_test

import data.mcp.authz

tool(name, scopes) := merge(base, {
	"action": "tool_call",
	"target": {"resource": salesforce_mcp},
	"scopes": scopes,
	"context": {"tool": name},
})

test_tool_with_needed_scope if {
	d := authz.decision with input as tool("search_accounts", ["crm.read"])
	d.allow
	d.scopes == ["crm.read"]
	d.ttl_seconds == 300
}

test_tool_missing_scope_is_insufficient_scope if {
	d := authz.decision with input as stage_update(["crm.read"], {"owner": "alice", "amount": 120000})
	not d.allow
	d.reasons == [{"code": "insufficient_scope", "message": "tool update_opportunity_stage needs crm.write"}]
}

test_tool_without_scope_requirement if {
	inp := merge(tool("whoami", []), {"target": {"resource": workday_mcp}})
	d := authz.decision with input as inp
	d.allow
	d.scopes == []
}

test_unknown_tool if {
	d := authz.decision with input as tool("drop_database", ["crm.read"])
	not d.allow
	codes(d) == {"unknown_tool"}
}

test_missing_tool_name if {
	d := authz.decision with input as merge(tool("x", ["crm.read"]), {"context": {}})
	some r in d.reasons
	r.code == "unknown_tool"
	contains(r.message, "(none)")
}

test_tool_on_unknown_server if {
	d := authz.decision with input as merge(tool("search_accounts", ["crm.read"]), {"target": {"resource": "https://x.example/mcp"}})
	not d.allow
	codes(d) == {"unknown_target"}
}

test_tool_call_ignores_foreign_token_scopes if {
	d := authz.decision with input as tool("search_accounts", ["crm.read", "hr.records.read"])
	d.allow
	d.scopes == ["crm.read"]
}

record_read(employee, groups) := merge(tool("get_employee_record", []), {
	"target": {"resource": workday_mcp},
	"subject": {"sub": "alice", "iss": "https://idp.example", "groups": groups, "claims": {}},
	"context": {"tool": "get_employee_record", "arguments": {"employee": employee}},
})

test_record_read_of_yourself if {
	d := authz.decision with input as record_read("alice", ["sales"])
	d.allow
	d.obligations.required_scopes == []
}

test_record_read_of_another_needs_hr if {
	d := authz.decision with input as record_read("bob", ["sales"])
	not d.allow
	d.reasons == [{"code": "argument_not_allowed", "message": "tool get_employee_record: employee must be yourself"}]
	hr := authz.decision with input as record_read("bob", ["hr"])
	hr.allow
}

test_tool_call_obligations_name_every_needed_scope if {
	d := authz.decision with input as stage_update(["crm.read"], {})
	d.obligations == {"require_dpop": false, "required_scopes": ["crm.write"], "mask_arguments": []}
}

# update_opportunity_stage: only on opportunities the subject owns, and below the amount in the
# data (tools.update_opportunity_stage.below.amount); owner and amount are what the MCP server read.
stage_update(scopes, attributes) := merge(tool("update_opportunity_stage", scopes), {"context": {
	"tool": "update_opportunity_stage",
	"arguments": {"id": "opp-101", "stage": "Negotiation"},
	"attributes": attributes,
}})

test_stage_update_of_own_opportunity_below_the_limit if {
	d := authz.decision with input as stage_update(["crm.write"], {"owner": "alice", "amount": 120000})
	d.allow
	d.scopes == ["crm.write"]
}

test_stage_update_of_anothers_opportunity if {
	d := authz.decision with input as stage_update(["crm.write"], {"owner": "carol", "amount": 1000})
	not d.allow
	d.reasons == [{"code": "not_owner", "message": "tool update_opportunity_stage: only the owner may do this"}]
}

test_stage_update_at_or_over_the_limit if {
	at := authz.decision with input as stage_update(["crm.write"], {"owner": "alice", "amount": 250000})
	not at.allow
	at.reasons == [{"code": "over_limit", "message": "tool update_opportunity_stage: amount must be below 250000"}]
	over := authz.decision with input as stage_update(["crm.write"], {"owner": "alice", "amount": 250001.5})
	codes(over) == {"over_limit"}
}

test_stage_update_limit_is_policy_data if {
	d := authz.decision with input as stage_update(["crm.write"], {"owner": "alice", "amount": 120000})
		with data.mandate.mcp_servers["https://mcp.salesforce.example/mcp"].tools.update_opportunity_stage.below.amount as 100000
	codes(d) == {"over_limit"}
}

test_stage_update_without_facts_is_denied if {
	d := authz.decision with input as stage_update(["crm.write"], {})
	codes(d) == {"not_owner", "over_limit"}
	wrong_type := authz.decision with input as stage_update(["crm.write"], {"owner": ["alice"], "amount": "1"})
	codes(wrong_type) == {"not_owner", "over_limit"}
	no_attributes := authz.decision with input as tool("update_opportunity_stage", ["crm.write"])
	codes(no_attributes) == {"not_owner", "over_limit"}
}

test_stage_update_missing_scope_and_not_owner_is_not_only_a_step_up if {
	d := authz.decision with input as stage_update(["crm.read"], {"owner": "carol", "amount": 1000})
	codes(d) == {"insufficient_scope", "not_owner"}
}
