# Second hop (RFC 8693 token exchange): an MCP server (the actor) asks for a token for one
# downstream service on behalf of the subject. target.resource and target.audience may both be
# given; they must then name the same service.
package mcp.authz

exchange if input.action == "token_exchange"

target_ids := {id | some id in [object.get(input.target, "resource", ""), object.get(input.target, "audience", "")]; non_empty(id)}

# The service each given identifier names, looked up once (service_for searches the services).
target_service[id] := service_for(id) if some id in target_ids

target_services := {n | some n in target_service}

service_name := n if {
	exchange
	count(target_services) == 1
	count(target_ids) == count(target_service)
	some n in target_services
}

service := cfg.services[service_name]

base_deny contains reason("unknown_target", "no resource or audience given") if {
	exchange
	count(target_ids) == 0
}

base_deny contains reason("unknown_target", concat("", [id, " is not a registered downstream service"])) if {
	exchange
	some id in target_ids
	not target_service[id]
}

base_deny contains reason("unknown_target", "resource and audience name different services") if {
	exchange
	count(target_services) > 1
}

base_deny contains reason("actor_not_allowed", "token exchange requires an actor (the calling MCP server)") if {
	exchange
	not actor_id
}

base_deny contains reason("actor_not_allowed", concat("", ["actor ", actor_id, " may not obtain tokens for ", service_name])) if {
	exchange
	service_name
	not service_name in object.get(cfg.actors, [actor_id, "services"], [])
}

base_deny contains reason("dpop_required", concat("", [service_name, " requires a DPoP-bound token; present a DPoP proof"])) if {
	exchange
	service.require_dpop
	not non_empty(object.get(input.context, "dpop_jkt", ""))
}

scope_problem contains [s, concat("", ["not a scope of ", service_name])] if {
	exchange
	some s in requested
	not s in service.scopes
}

scope_problem contains [s, "not allowed for the subject's groups"] if {
	exchange
	some s in requested
	not user_scopes[s]
}

# Step-up: some scopes need a recent login (context.auth_time, seconds since the epoch).
scope_problem contains [s, msg] if {
	exchange
	some s in requested
	rule := service.step_up[s]
	not recent_login(rule.max_auth_age_seconds)
	msg := concat("", ["requires a login within the last ", format_int(rule.max_auth_age_seconds, 10), " s (step-up)"])
}

recent_login(max_age) if input.now - input.context.auth_time <= max_age

target_ttl := service.max_ttl_seconds if exchange

target_dpop := service.require_dpop if exchange

# Connector-backed services (docs/connectors.md): who the subject is at the service's own
# authorization server. The table data.mandate.downstream_subjects[service][sub] first, else the
# service's downstream_subject rule: the subject's `sub` or one of its claims, plus an optional
# suffix (Salesforce sandbox usernames end in ".sandbox"). The obligation travels to the connector.
downstream_subject := v if {
	exchange
	v := cfg.downstream_subjects[service_name][input.subject.sub]
	non_empty(v)
} else := v if {
	exchange
	rule := service.downstream_subject
	a := subject_attribute(rule.claim)
	v := concat("", [a, object.get(rule, "suffix", "")])
}

subject_attribute("sub") := input.subject.sub

subject_attribute(name) := v if {
	name != "sub"
	v := object.get(input.subject.claims, name, "")
	non_empty(v)
}

# A service that maps subjects must find a mapping for this one: no guessing downstream.
maps_subjects if service.downstream_subject

maps_subjects if cfg.downstream_subjects[service_name]

base_deny contains reason("downstream_subject_unmapped", concat("", ["no ", service_name, " identity is mapped for ", input.subject.sub])) if {
	exchange
	maps_subjects
	not downstream_subject
}

# An exchange's obligations beside require_dpop: the downstream subject, and an approval.
exchange_obligations contains ["downstream_subject", downstream_subject] if {
	exchange
	downstream_subject
}

exchange_obligations contains ["require_approval", approval] if {
	exchange
	some approval in approvals_needed
}

extra_obligations := {k: v | some [k, v] in exchange_obligations} if {
	exchange
	count(exchange_obligations) > 0
}

# A change above a threshold waits for a person (ADR 0014): a service's approvals[] name a tool
# (from the exchange's authorization_details), a numeric argument and the value it may not exceed
# unapproved. The first rule that applies gives the binding message and how long the request stays
# open; an approval rule never applies to an exchange that names no tool. An argument that is
# there but not a number cannot be compared with the limit, so a person looks at it (fail closed).
approval_rules := [r | some r in object.get(service, "approvals", []); applies(r)]

applies(r) if {
	input.context.tool == r.tool
	v := object.get(object.get(input.context, "arguments", {}), r.argument, null)
	is_number(v)
	v > r.above
}

applies(r) if {
	input.context.tool == r.tool
	v := object.get(object.get(input.context, "arguments", {}), r.argument, null)
	v != null
	not is_number(v)
}

approvals_needed contains object.filter(approval_rules[0], ["binding_message", "ttl_seconds", "approvers"]) if {
	count(approval_rules) > 0
}
