/**
 * Every event type Mandate renders in OCSF validates against the OCSF 1.3.0 schema of its class
 * (test/fixtures/ocsf, generated from github.com/ocsf/ocsf-schema by scripts/ocsf-json-schema.ts):
 * required attributes, constraints (3002's `service` or `dst_endpoint`, an entity's `name` or
 * `uid`), enum values and their captions, types, profiles, and no attribute OCSF does not define.
 */
import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import { OCSF_VERSION, toOcsf } from '../../src/audit/ocsf.js';
import { buildEvents } from '../../src/audit/outbox.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import { tokenEvent } from '../../src/audit/build-events.js';
import type { AuditEvent } from '../../src/audit/events.js';
import type { TokenFact } from '../../src/audit/port.js';
import { decisionActions } from '../../src/policy/contract.js';
import { exchangeEntry } from './fixtures.js';

const SOURCE = 'https://mandate.example';
const schema = JSON.parse(
  readFileSync(new URL(`../fixtures/ocsf/ocsf-${OCSF_VERSION}.schema.json`, import.meta.url), 'utf8'),
) as Record<string, unknown>;
const ajv = new Ajv({ allErrors: true, jsonPointers: true });
ajv.addSchema(schema, 'ocsf');

/** The OCSF validation errors of one rendering, against the schema of its own class. */
function errors(o: Record<string, unknown>): string[] {
  const validate = ajv.getSchema(`ocsf#/definitions/class_${String(o.class_uid)}`);
  if (validate === undefined) return [`no OCSF class ${String(o.class_uid)} in the schema`];
  return validate(o)
    ? []
    : (validate.errors ?? []).map((e) => `${e.dataPath} ${e.message} ${JSON.stringify(e.params)}`);
}

const sealed = (events: ReturnType<typeof buildEvents>): AuditEvent[] =>
  events.map((e, i) => seal(e, i + 1, GENESIS_HASH));

function decisions(): [string, AuditEvent][] {
  // Every action a decision can be about (a new one is validated as soon as it exists).
  return decisionActions.flatMap((action) =>
    [true, false].flatMap((allow) => {
      const entry = exchangeEntry({ action, allow });
      if (action === 'tool_call') entry.decision!.input.context.tool = 'salesforce.query';
      const [decision, token] = sealed(buildEvents(entry, SOURCE));
      return [
        [`decision ${action} ${allow ? 'allowed' : 'denied'}`, decision!],
        [`its token.${allow ? 'issued' : 'refused'}`, token!],
      ] as [string, AuditEvent][];
    }),
  );
}

const token = (fact: TokenFact, source = SOURCE): AuditEvent =>
  seal(tokenEvent(fact, source), 1, GENESIS_HASH);
const tokens: [string, AuditEvent][] = [
  [
    'token.refreshed',
    token({ kind: 'refreshed', action: 'refresh_token', client_id: 'c', sub: 'bob', jti: 'j' }),
  ],
  ['token.revoked', token({ kind: 'revoked', action: 'revocation', client_id: 'c', jti: 'j' })],
  ['token.reused', token({ kind: 'reused', action: 'refresh_token', client_id: 'c', sub: 'bob', jti: 'j' })],
  [
    'token.issued (client_credentials)',
    token({ kind: 'issued', action: 'client_credentials', client_id: 'job' }),
  ],
  [
    'token.refused before client authentication, claimed client',
    token({ kind: 'refused', action: 'token_exchange', error: 'invalid_client', claimed_client_id: 'x' }),
  ],
  [
    'token.refused before client authentication, no client',
    token({ kind: 'refused', action: 'unknown', error: 'invalid_client' }, 'https://127.0.0.1:8443'),
  ],
  [
    'token.revoked at an IPv6 issuer',
    token({ kind: 'revoked', action: 'revocation', client_id: 'c' }, 'http://[::1]:8080'),
  ],
];

describe(`OCSF ${OCSF_VERSION} schema`, () => {
  it.each([...decisions(), ...tokens])('validates %s', (_, event) => {
    expect(errors(toOcsf(event))).toEqual([]);
  });

  it('validates a tool-call decision without a client address', () => {
    const entry = exchangeEntry({ action: 'tool_call' });
    delete entry.decision!.input.context.ip;
    const [decision] = sealed(buildEvents(entry, SOURCE));
    expect(errors(toOcsf(decision!))).toEqual([]);
  });

  // The schema is only a test if it refuses what OCSF refuses.
  it.each([
    [
      'neither service nor dst_endpoint',
      (o: Record<string, unknown>) => (delete o.service, delete o.dst_endpoint),
    ],
    ['a user with neither name nor uid', (o: Record<string, unknown>) => (o.user = { type_id: 0 })],
    ['an attribute OCSF does not define', (o: Record<string, unknown>) => (o.client_id = 'c')],
    ['an activity name that is not its caption', (o: Record<string, unknown>) => (o.activity_name = 'Renew')],
    ['a type_uid of another activity', (o: Record<string, unknown>) => (o.type_uid = 300205)],
    ['an auth_protocol_id OCSF does not define', (o: Record<string, unknown>) => (o.auth_protocol_id = 42)],
  ])('refuses an Authentication event with %s', (_, spoil) => {
    const [, issued] = sealed(buildEvents(exchangeEntry(), SOURCE));
    const o = toOcsf(issued!);
    expect(errors(o)).toEqual([]);
    spoil(o);
    expect(errors(o)).not.toEqual([]);
  });

  it('refuses an Authorize Session event with an actor but not the host profile it needs', () => {
    const [decision] = sealed(buildEvents(exchangeEntry(), SOURCE));
    const o = toOcsf(decision!);
    expect(errors(o)).toEqual([]);
    delete (o.metadata as Record<string, unknown>).profiles;
    expect(errors(o)).toContain(
      '/metadata should have required property \'profiles\' {"missingProperty":"profiles"}',
    );
  });
});
