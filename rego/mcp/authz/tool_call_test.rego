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
	d := authz.decision with input as tool("update_opportunity_stage", ["crm.read"])
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
	d := authz.decision with input as tool("update_opportunity_stage", ["crm.read"])
	d.obligations == {"require_dpop": false, "required_scopes": ["crm.write"], "mask_arguments": []}
}
