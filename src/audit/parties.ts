/**
 * Three-party attribution (issue 17 §3): every audit event names, in the same fixed members a SIEM
 * can index whatever the event type, the user (`user.sub`), the agent acting for the user
 * (`agent.sub`, with the whole RFC 8693 `act` chain in `agent.act_chain`) and the OAuth client
 * (`client.id`). They are derived from what the event already holds (the decision input, the
 * token's `sub`, `act` and `client_id`), so they can never disagree with it.
 */
import { z } from 'zod';
import { MASK } from './mask.js';

/** Deeper `act` nesting than any token Mandate accepts (tokens/claims.ts allows 16). */
const MAX_CHAIN = 32;

export const userSchema = z
  .object({ sub: z.string().min(1).describe("The user's subject identifier (`sub`).") })
  .describe('The user on whose behalf: the subject of the decision or token; absent when there is none.');

export const agentSchema = z
  .object({
    sub: z.string().min(1).describe('The current actor: the outermost `act.sub`.'),
    client_id: z.string().min(1).optional().describe("The current actor's OAuth client, when known."),
    act_chain: z
      .array(z.string().min(1))
      .min(1)
      .describe('Every actor, current first, then the actors it acts for (RFC 8693 §4.1 nesting).'),
  })
  .describe(
    'The agent acting for the user (the `act` claim); absent when no one acts but the client itself (a first-hop token).',
  );

export const clientSchema = z
  .object({ id: z.string().min(1).describe('The OAuth `client_id`.') })
  .describe('The authenticated OAuth client; absent when the request was refused before one authenticated.');

/** The three members, optional in the schema: events written before they existed lack them. */
export const partiesShape = {
  user: userSchema.optional(),
  agent: agentSchema.optional(),
  client: clientSchema.optional(),
};

export interface Parties {
  user?: z.infer<typeof userSchema>;
  agent?: z.infer<typeof agentSchema>;
  client?: z.infer<typeof clientSchema>;
}

const named = (v: unknown): v is string => typeof v === 'string' && v !== '' && v !== MASK;

/** The subs of an RFC 8693 `act` claim, current actor first; stops at a link without a `sub`. */
export function actChain(act: unknown): string[] {
  const chain: string[] = [];
  let link = act;
  while (chain.length < MAX_CHAIN && link !== null && typeof link === 'object') {
    const { sub, act: inner } = link as { sub?: unknown; act?: unknown };
    if (!named(sub)) break;
    chain.push(sub);
    link = inner;
  }
  return chain;
}

function agentOf(act: unknown): Parties['agent'] {
  const chain = actChain(act);
  if (chain.length === 0) return undefined;
  const clientId = (act as { client_id?: unknown }).client_id;
  return { sub: chain[0]!, ...(named(clientId) ? { client_id: clientId } : {}), act_chain: chain };
}

function parties(sub: unknown, act: unknown, clientId: unknown): Parties {
  const agent = agentOf(act);
  return {
    ...(named(sub) ? { user: { sub } } : {}),
    ...(agent === undefined ? {} : { agent }),
    ...(named(clientId) ? { client: { id: clientId } } : {}),
  };
}

/** The parties of a decision: its subject, its actor (with the actors it acts for), its client. */
export function decisionParties(input: {
  subject: { sub: string };
  actor?: { sub: string; client_id?: string; act?: Record<string, unknown> } | undefined;
  client: { client_id: string };
}): Parties {
  return parties(input.subject.sub, input.actor, input.client.client_id);
}

/** The parties of a token event: the token's `sub`, its `act` chain, its `client_id`. */
export function tokenParties(data: {
  sub?: string;
  act?: Record<string, unknown>;
  client_id?: string;
}): Parties {
  return parties(data.sub, data.act, data.client_id);
}
