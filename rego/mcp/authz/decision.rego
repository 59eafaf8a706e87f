# The default Mandate policy. Entrypoint: data.mcp.authz.decision (design.md "The decision
# contract"); the result shape and the reason codes are documented in rego/README.md.
#
# Each action file (first_hop, token_exchange, id_jag, tool_call) contributes, for its action:
#   deny             reasons that refuse the whole request ({code, message} objects)
#   scope_problem    [scope, message] pairs: requested scopes that may not be granted
#   target_ttl       the lifetime cap of what is issued
#   target_dpop      whether the issued token must be DPoP-bound
# This file combines them. The WASM build has no clock: input.now is the time.
package mcp.authz

# Deduplicated requested scopes.
requested := {s | some s in input.scopes}

# One set difference rather than a search of scope_problem per requested scope.
granted := requested - {s | some [s, _] in scope_problem}

default allow := false

allow if {
	count(deny) == 0
	count(requested) == 0
	empty_scope_ok[input.action]
}

allow if {
	count(deny) == 0
	count(granted) > 0
}

# Actions for which an empty scope request is meaningful (the client gets what it names later,
# or a tool needs no scope). A token exchange or ID-JAG without scopes is refused.
empty_scope_ok := {"authorize", "refresh", "jwt_bearer", "tool_call"}

# Everything requested was refused while nothing else was wrong: report it as one stable code.
deny contains reason("scope_not_allowed", "none of the requested scopes may be granted") if {
	count(requested) > 0
	count(granted) == 0
	count(base_deny) == 0
}

deny contains reason("scope_not_allowed", "no scope requested") if {
	count(requested) == 0
	not empty_scope_ok[input.action]
}

deny contains r if some r in base_deny

# The subject token is already expired (checked here as well as in the service's invariants so
# that the decision log says why).
base_deny contains reason("subject_expired", "the subject token has expired") if {
	input.subject.exp <= input.now
}

base_deny contains reason("unsupported_action", concat("", ["action ", action_name, " is not handled by this policy"])) if {
	not known_actions[input.action]
}

action_name := sprintf_free(input.action)

# Avoid sprintf (a JavaScript callback in the WASM build, slow on the hot path).
sprintf_free(x) := x if is_string(x)

sprintf_free(x) := "(not a string)" if not is_string(x)

known_actions := {"authorize", "refresh", "jwt_bearer", "token_exchange", "id_jag", "tool_call"}

# Every scope_problem names a requested scope (each rule iterates `requested`).
scope_reasons contains reason("scope_dropped", msg) if {
	some [s, m] in scope_problem
	msg := concat("", ["scope ", s, ": ", m])
}

# Lifetime: the target's cap, never beyond the subject token's remaining lifetime.
default ttl_seconds := 0

ttl_seconds := min(ttl_caps) if allow

ttl_caps contains target_ttl

ttl_caps contains input.subject.exp - input.now if is_number(input.subject.exp)

default target_dpop := false

# Action-specific obligations beside require_dpop (e.g. id_jag's client_id).
default extra_obligations := {}

# Granted scopes in the order they were requested, without duplicates. The usual request has
# none, and then needs no search for an earlier occurrence of each scope.
granted_list := [s | some s in input.scopes; granted[s]] if count(input.scopes) == count(requested)

granted_list := [s |
	some i, s in input.scopes
	granted[s]
	not requested_earlier(i, s)
] if count(input.scopes) != count(requested)

requested_earlier(i, s) if {
	some j, t in input.scopes
	j < i
	t == s
}

decision := {
	"allow": allow,
	"scopes": scopes_out,
	"ttl_seconds": ttl_seconds,
	"reasons": array.concat([r | some r in deny], [r | some r in scope_reasons]),
	"obligations": object.union({"require_dpop": target_dpop}, extra_obligations),
}

default scopes_out := []

scopes_out := granted_list if allow

reason(code, message) := {"code": code, "message": message}
