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
