/**
 * For the adapter tests (express.test.ts, fastify.test.ts): a resource server trusting a test
 * issuer, a tool policy stand-in that waits until its caller's signal aborts, and the cases both
 * adapters must pass.
 */
import { expect, it } from 'vitest';
import { createResourceServer, type ResourceServer, type ToolCall, type ToolPolicy } from '../src/index.js';
import { createTestIssuer } from '../src/testing.js';

export const RESOURCE = 'https://mcp.notes.example/mcp';

export interface HangingPolicy extends ToolPolicy {
  /** Resolves with the signal the adapter passed when it first asked. */
  readonly asked: Promise<AbortSignal | undefined>;
  /** Answers every pending call with allow. */
  allow(): void;
  /** The calls it was asked to decide. */
  readonly calls: ToolCall[];
}

/** A policy that answers only when told to, and refuses a caller whose signal aborts. */
export function hangingPolicy(): HangingPolicy {
  let asked: (s: AbortSignal | undefined) => void = () => undefined;
  const first = new Promise<AbortSignal | undefined>((r) => (asked = r));
  const pending: (() => void)[] = [];
  const calls: ToolCall[] = [];
  return {
    evaluations: 0,
    asked: first,
    calls,
    allow: () => pending.splice(0).forEach((f) => f()),
    decide: (_access, call, signal) => {
      calls.push(call);
      asked(signal);
      return new Promise((resolve, reject) => {
        pending.push(() => resolve({ allow: true, decisionId: undefined }));
        signal?.addEventListener('abort', () => reject(signal.reason as Error));
      });
    },
  };
}

export async function testResourceServer(): Promise<{ rs: ResourceServer; token: string }> {
  const issuer = await createTestIssuer();
  const rs = createResourceServer({ resource: RESOURCE, issuer: issuer.issuer, jwks: issuer.jwks });
  return { rs, token: await issuer.mint({ sub: 'alice', aud: RESOURCE, scopes: [] }) };
}

const toolCall = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'tools/call',
  params: { name: 'read_note', arguments: {} },
});

/** Waits until `signal` aborts, at most `ms`. */
async function abortedWithin(signal: AbortSignal | undefined, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (signal?.aborted !== true && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return signal?.aborted === true;
}

const post = (url: string, token: string, signal?: AbortSignal, extra: Record<string, string> = {}) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra },
    body: toolCall,
    ...(signal === undefined ? {} : { signal }),
  });

/** An MCP endpoint guarded by one adapter with `policy`, answering allowed calls with 200. */
export type Serve = (policy: HangingPolicy) => Promise<{ url: string; token: string }>;

/**
 * The adapter hands the policy a signal that aborts when the client goes away, and only then, and
 * the request's `traceparent` header for calls without `_meta.traceparent`.
 */
export function abandonCases(serve: Serve): void {
  it('a client that goes away abandons its wait for the policy', async () => {
    const policy = hangingPolicy();
    const { url, token } = await serve(policy);
    const client = new AbortController();
    const pending = post(url, token, client.signal).catch(() => 'aborted');
    const signal = await policy.asked;
    expect(signal?.aborted).toBe(false);
    client.abort();
    expect(await pending).toBe('aborted');
    expect(await abortedWithin(signal, 2000)).toBe(true);
  });

  it('an answered request leaves its signal alone', async () => {
    const policy = hangingPolicy();
    const { url, token } = await serve(policy);
    const pending = post(url, token);
    const signal = await policy.asked;
    policy.allow();
    expect((await pending).status).toBe(200);
    expect(await abortedWithin(signal, 200)).toBe(false);
  });

  it('hands the policy the request’s traceparent header as the trace of a call without its own', async () => {
    const policy = hangingPolicy();
    const { url, token } = await serve(policy);
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const pending = post(url, token, undefined, { traceparent: tp });
    await policy.asked;
    policy.allow();
    expect((await pending).status).toBe(200);
    expect(policy.calls.map((c) => c.traceparent)).toEqual([tp]);
  });
}
