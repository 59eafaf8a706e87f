/**
 * The decision contract between Mandate and a policy bundle (see README "Decision contract").
 * Input and output are validated with zod; the default entrypoint is `mcp/authz/decision`.
 */
import { z } from 'zod';
import { approvalObligationSchema, type ApprovalObligation } from './approval.js';

export const DEFAULT_ENTRYPOINT = 'mcp/authz/decision';

export const decisionActions = [
  'token_exchange',
  'authorize',
  'jwt_bearer',
  'refresh',
  'tool_call',
  'id_jag',
] as const;
export type DecisionAction = (typeof decisionActions)[number];

export const decisionInputSchema = z.object({
  action: z.enum(decisionActions),
  /** Seconds since the epoch: the WASM build has no clock, so the service passes it in. */
  now: z.number().int().nonnegative(),
  subject: z.object({
    sub: z.string().min(1),
    iss: z.string().min(1),
    groups: z.array(z.string()),
    /** Scopes the subject token carries; absent when it carries none (e.g. an ID token). */
    scopes: z.array(z.string()).optional(),
    /** Expiry of the subject token, seconds since the epoch. */
    exp: z.number().int().optional(),
    claims: z.record(z.string(), z.unknown()),
  }),
  client: z.object({
    client_id: z.string().min(1),
    trust: z.enum(['registered', 'cimd', 'dynamic']),
  }),
  actor: z
    .object({
      sub: z.string().min(1),
      client_id: z.string().min(1).optional(),
      /** Earlier actors, RFC 8693 §4.1 nesting. */
      act: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
  target: z.object({
    audience: z.string().optional(),
    resource: z.string().optional(),
  }),
  scopes: z.array(z.string()),
  context: z.object({
    dpop_jkt: z.string().optional(),
    auth_time: z.number().int().optional(),
    acr: z.string().optional(),
    ip: z.string().optional(),
    tool: z.string().optional(),
    /** A tool call's arguments (AuthZEN access evaluation, `resource.properties.arguments`). */
    arguments: z.record(z.string(), z.unknown()).optional(),
    /**
     * What the MCP server states about the object a tool call acts on (AuthZEN
     * `resource.properties` besides `arguments`), e.g. an opportunity's owner and amount.
     */
    attributes: z.record(z.string(), z.unknown()).optional(),
    /** The `jti` of the access token a tool call was made with, linking the decision to it. */
    token_jti: z.string().optional(),
  }),
});
export type DecisionInput = z.infer<typeof decisionInputSchema>;

/** A reason is a plain string, or a stable code with a readable message. */
export const reasonSchema = z.union([z.string(), z.object({ code: z.string(), message: z.string() })]);
export type Reason = z.infer<typeof reasonSchema>;

const resultExtras = {
  reasons: z.array(reasonSchema).default([]),
  obligations: z
    .object({
      require_dpop: z.boolean().optional(),
      /** A person must approve before anything is issued (approval.ts, ADR 0014). */
      require_approval: approvalObligationSchema.optional(),
    })
    .catchall(z.unknown())
    .default({}),
};

/**
 * The policy's output. An allow must say what it grants and for how long (`scopes`,
 * `ttl_seconds`); a deny needs only `allow: false`. Anything else (`{"allow": true}`, a string
 * `allow`) is outside the contract and fails closed as such (reason `policy_result_invalid`).
 */
export const policyResultSchema = z.discriminatedUnion('allow', [
  z.object({
    allow: z.literal(true),
    scopes: z.array(z.string()),
    ttl_seconds: z.number().int().nonnegative(),
    ...resultExtras,
  }),
  z.object({
    allow: z.literal(false),
    scopes: z.array(z.string()).default([]),
    ttl_seconds: z.number().int().nonnegative().default(0),
    ...resultExtras,
  }),
]);
export type PolicyResult = z.infer<typeof policyResultSchema>;

/** The obligations the service acts on; a policy's other obligations pass through to the log. */
export interface Obligations {
  require_dpop?: boolean;
  require_approval?: ApprovalObligation;
  [k: string]: unknown;
}

/** What the decision service returns: the policy's result after the service's invariants. */
export interface Decision {
  decision_id: string;
  path: string;
  allow: boolean;
  scopes: string[];
  ttl_seconds: number;
  reasons: Reason[];
  obligations: Obligations;
  /** The raw policy result (for the decision log), or undefined when evaluation failed. */
  result: unknown;
  /** The bundle that decided, and the digest of the registry overlaid onto its data (ADR 0007). */
  bundle: { revision: string; digest: string; registry?: string };
  metrics: { timer_eval_ns: number };
  timestamp: string;
}

export interface DecisionService {
  decide(input: DecisionInput): Decision;
  /** True once a bundle is loaded (readiness). */
  ready(): boolean;
  close(): Promise<void>;
}
