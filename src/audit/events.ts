/**
 * Audit event schema: a CloudEvents 1.0 envelope (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md)
 * around either an OPA-style decision-log entry
 * (https://www.openpolicyagent.org/docs/management-decision-logs) or a token event.
 *
 * Hash-chain attributes are CloudEvents extension attributes, whose names must be lowercase ASCII
 * letters and digits (spec §3.1.1), so design.md's `prev_hash` travels as `prevhash`:
 * - `sequence`: the position in the chain, a zero-padded decimal string so that it is
 *   lexicographically orderable as the CloudEvents sequence extension requires;
 * - `prevhash`: the `hash` of the event before it (64 zeros for the first);
 * - `hash`: SHA-256 over `prevhash` and the canonical JSON of this event without `hash` (chain.ts).
 */
import { z } from 'zod';
import { decisionInputSchema, reasonSchema } from '../policy/contract.js';
import { partiesShape } from './parties.js';
import { ENFORCED_MEMBERS } from './decision-result.js';

export const DECISION_EVENT_TYPE = 'dev.mandate.decision';
/**
 * Token events; `approval_requested`, `approved` and `approval_denied` are a token exchange waiting
 * for a person (OpenID CIBA, ADR 0014): each names the decision it resumes and the approval's id;
 * `approval_used` is a tool call's approval used up by its AuthZEN evaluation.
 */
export const tokenEventKinds = [
  'issued',
  'refused',
  'refreshed',
  'revoked',
  'reused',
  'approval_requested',
  'approved',
  'approval_denied',
  'approval_used',
] as const;
export const tokenEventTypes = [
  'dev.mandate.token.issued',
  'dev.mandate.token.refused',
  'dev.mandate.token.refreshed',
  'dev.mandate.token.revoked',
  'dev.mandate.token.reused',
  'dev.mandate.token.approval_requested',
  'dev.mandate.token.approved',
  'dev.mandate.token.approval_denied',
  'dev.mandate.token.approval_used',
] as const;

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/);

const envelope = {
  specversion: z.literal('1.0'),
  id: z.uuid().describe('Unique event id; also the Nats-Msg-Id the relay publishes with.'),
  source: z.string().min(1).describe('The Mandate issuer URL.'),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().min(1).optional().describe('The principal: the user `sub`, or the client id.'),
  datacontenttype: z.literal('application/json'),
  sequence: z
    .string()
    .regex(/^[0-9]{16}$/)
    .describe('Position in the hash chain, zero-padded to 16 digits (CloudEvents sequence extension).'),
  prevhash: sha256Hex.describe('`hash` of the previous event in the chain; 64 zeros for the first.'),
  hash: sha256Hex.describe(
    'SHA-256 over `prevhash` and the RFC 8785 canonical JSON of the event without `hash`.',
  ),
};

export const decisionDataSchema = z.object({
  decision_id: z.string().min(1),
  ...partiesShape,
  path: z.string().describe('Policy entrypoint, e.g. mcp/authz/decision.'),
  input: decisionInputSchema.describe('The decision input, masked.'),
  result: z
    .unknown()
    .optional()
    .describe(
      "The raw policy result, masked; null when evaluation failed (denied). With `result_shared`, only the raw members that differ from `enforced`; absent when the raw result was exactly `enforced`'s members (always present in events written before 2026-12-02).",
    ),
  result_shared: z
    .array(z.enum(ENFORCED_MEMBERS))
    .optional()
    .describe(
      "Members of the raw result identical to `enforced`'s, stored there only (the raw result is `result` plus these members of `enforced`); absent in events written before 2026-12-02, whose `result` is whole.",
    ),
  enforced: z
    .object({
      allow: z.boolean(),
      scopes: z.array(z.string()),
      ttl_seconds: z.number().int().nonnegative(),
      reasons: z.array(reasonSchema),
      obligations: z.record(z.string(), z.unknown()),
    })
    .describe('What Mandate enforced after its own invariants (granted scopes, lifetime, fail closed).'),
  bundles: z.record(z.string(), z.object({ revision: z.string(), digest: z.string().optional() })),
  registry: z
    .object({ digest: sha256Hex.describe('SHA-256 (hex) of the canonical JSON of the registry.') })
    .optional()
    .describe(
      "The configuration file's registry of MCP servers and services overlaid onto the bundle's data (ADR 0007); absent when the bundle's own data decided.",
    ),
  metrics: z.record(z.string(), z.number()),
  timestamp: z.string(),
  trace_id: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional()
    .describe(
      "W3C trace id of the request that caused the decision (its `traceparent`'s, else a fresh one), as in OPA decision logs; the request's log line has the same `trace_id`.",
    ),
  span_id: z
    .string()
    .regex(/^[0-9a-f]{16}$/)
    .optional()
    .describe("The request's span id (the log line's `span_id`)."),
  masked: z
    .array(z.string())
    .optional()
    .describe('JSON pointers of masked members, as in OPA decision logs.'),
});
export type DecisionData = z.infer<typeof decisionDataSchema>;

export const tokenDataSchema = z.object({
  kind: z.enum(tokenEventKinds),
  ...partiesShape,
  action: z.string().min(1),
  client_id: z
    .string()
    .min(1)
    .optional()
    .describe('The authenticated client; absent when the request was refused before one authenticated.'),
  claimed_client_id: z
    .string()
    .optional()
    .describe('A refusal before client authentication: the client id the request named, unverified.'),
  sub: z.string().optional(),
  jti: z.string().optional(),
  aud: z.union([z.string(), z.array(z.string())]).optional(),
  scope: z.string().optional(),
  token_type: z.string().optional(),
  issued_token_type: z.string().optional(),
  iat: z.number().int().optional(),
  exp: z.number().int().optional(),
  act: z.record(z.string(), z.unknown()).optional(),
  cnf_jkt: z.string().optional().describe('RFC 7638 thumbprint of the DPoP key the token is bound to.'),
  decision_id: z.string().optional(),
  error: z.string().optional(),
  reason: z.string().optional(),
  subject_jti: z.string().optional(),
  downstream: z
    .object({
      service: z.string(),
      kind: z.string(),
      subject: z.string().optional(),
      cached: z.boolean().optional(),
      error: z.string().optional(),
      error_description: z.string().optional(),
    })
    .optional()
    .describe(
      'A connector-backed token exchange (ADR 0013): the downstream service and connector kind, the downstream subject the policy mapped, whether the token came from the cache, and for a refusal the downstream error (or downstream_unavailable). Never a token or an assertion.',
    ),
  approval_id: z
    .string()
    .optional()
    .describe(
      'The approval a token exchange waited for (ADR 0014): on its request, its approval or denial, and the token issued after it.',
    ),
  approver: z.string().optional().describe('Who approved or denied it (their `sub` at the IdP).'),
  masked: z.array(z.string()).optional(),
});
export type TokenData = z.infer<typeof tokenDataSchema>;

export const decisionEventSchema = z.object({
  ...envelope,
  type: z.literal(DECISION_EVENT_TYPE),
  data: decisionDataSchema,
});
export const tokenEventSchema = z.object({
  ...envelope,
  type: z.enum(tokenEventTypes),
  data: tokenDataSchema,
});
export const auditEventSchema = z.discriminatedUnion('type', [decisionEventSchema, tokenEventSchema]);

export type DecisionEvent = z.infer<typeof decisionEventSchema>;
export type TokenEvent = z.infer<typeof tokenEventSchema>;
export type AuditEvent = z.infer<typeof auditEventSchema>;
/** An event before it takes its place in the chain. */
export type UnsealedEvent = DistributiveOmit<AuditEvent, 'sequence' | 'prevhash' | 'hash'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** The subject below the prefix: `decision.<action>` or `token.<kind>` (design.md). */
export function eventSubject(event: UnsealedEvent): string {
  if (event.type === DECISION_EVENT_TYPE) return `decision.${subjectToken(event.data.input.action)}`;
  return `token.${subjectToken(event.data.kind)}`;
}

/** NATS subject: `authz.decision.<action>` or `authz.token.<kind>` (design.md). */
export function natsSubject(event: UnsealedEvent, prefix = 'authz'): string {
  return `${prefix}.${eventSubject(event)}`;
}

// A NATS subject token may not contain '.', '*', '>' or whitespace; actions are enum values today,
// this keeps a future free-form action from splitting or wildcarding the subject.
function subjectToken(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}
