# Downstream subjects of connector-backed services (token_exchange.rego): the table first, then the
# service's claim rule; a service that maps subjects denies a subject it cannot map.
package mcp.authz_test

import data.mcp.authz

sf_claim_rule := {"salesforce": object.union(data.mandate.services.salesforce, {"downstream_subject": {"claim": "email", "suffix": ".sandbox"}})}

test_downstream_subject_from_the_table if {
	d := authz.decision with input as xchg({}) with data.mandate.downstream_subjects as {"salesforce": {"alice": "alice@acme.example"}}
	d.allow
	d.obligations.downstream_subject == "alice@acme.example"
}

test_downstream_subject_table_wins_over_the_claim_rule if {
	d := authz.decision with input as xchg({"subject": object.union(alice, {"claims": {"email": "a@x.example"}})})
		with data.mandate.services as object.union(data.mandate.services, sf_claim_rule)
		with data.mandate.downstream_subjects as {"salesforce": {"alice": "alice.admin@acme.example"}}
	d.obligations.downstream_subject == "alice.admin@acme.example"
}

test_downstream_subject_from_a_claim_with_suffix if {
	d := authz.decision with input as xchg({"subject": object.union(alice, {"claims": {"email": "alice@acme.example"}})})
		with data.mandate.services as object.union(data.mandate.services, sf_claim_rule)
	d.allow
	d.obligations.downstream_subject == "alice@acme.example.sandbox"
}

test_downstream_subject_from_sub if {
	rule := {"salesforce": object.union(data.mandate.services.salesforce, {"downstream_subject": {"claim": "sub"}})}
	d := authz.decision with input as xchg({}) with data.mandate.services as object.union(data.mandate.services, rule)
	d.obligations.downstream_subject == "alice"
}

test_unmapped_subject_is_denied if {
	d := authz.decision with input as xchg({}) with data.mandate.services as object.union(data.mandate.services, sf_claim_rule)
	not d.allow
	codes(d) == {"downstream_subject_unmapped"}
	some r in d.reasons
	r.message == "no salesforce identity is mapped for alice"
}

test_subject_missing_from_the_table_is_denied if {
	d := authz.decision with input as xchg({}) with data.mandate.downstream_subjects as {"salesforce": {"bob": "bob@acme.example"}}
	not d.allow
	codes(d) == {"downstream_subject_unmapped"}
}

test_claim_that_is_not_a_string_maps_nothing if {
	d := authz.decision with input as xchg({"subject": object.union(alice, {"claims": {"email": ["a@x.example"]}})})
		with data.mandate.services as object.union(data.mandate.services, sf_claim_rule)
	not d.allow
	codes(d) == {"downstream_subject_unmapped"}
}

test_services_without_mapping_have_no_obligation if {
	d := authz.decision with input as xchg({})
	d.allow
	not d.obligations.downstream_subject
}

test_mapping_of_another_service_does_not_apply if {
	d := authz.decision with input as xchg({}) with data.mandate.downstream_subjects as {"workday": {"alice": "alice-wd"}}
	d.allow
	not d.obligations.downstream_subject
}
