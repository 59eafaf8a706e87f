# Shared inputs for the policy tests (real data from rego/mandate/data.json).
package mcp.authz_test

now := 1764140000

alice := {"sub": "alice", "iss": "https://idp.example", "groups": ["sales"], "claims": {}, "exp": now + 3600}

bob := {"sub": "bob", "iss": "https://idp.example", "groups": ["hr"], "claims": {}, "exp": now + 3600}

carol := {"sub": "carol", "iss": "https://idp.example", "groups": ["engineering"], "claims": {}}

claude := {"client_id": "claude-desktop", "trust": "registered"}

salesforce_mcp := "https://mcp.salesforce.example/mcp"

workday_mcp := "https://mcp.workday.example/mcp"

base := {
	"now": now,
	"subject": alice,
	"client": claude,
	"target": {},
	"scopes": [],
	"context": {},
}

codes(d) := {r.code | some r in d.reasons}

# Shallow merge: keys of b replace those of a (object.union merges nested objects).
merge(a, b) := object.union(object.remove(a, object.keys(b)), b)
