/**
 * The stack of the second-hop tests (test/examples/second-hop.test.ts and
 * second-hop-downstream.test.ts): a real Mandate (own database, compiled default policy), both
 * example APIs and both MCP servers over real HTTP, with every API call and exchange recorded. The
 * first-hop tokens are signed by Mandate's own signer; test/examples/demo-flow.test.ts obtains them
 * by logging in.
 */
import { afterAll, beforeAll } from 'vitest';
import type { ApiCall } from '../../examples/apis/common.js';
import type { ExchangeEvent } from '../../examples/mcp/common.js';
import { startExamples, type Examples } from '../../examples/stack.js';
import { SECRETS, startTestService, type TestService } from '../helpers/service.js';
import { userToken } from './helpers.js';

/** The scopes of the Workday MCP server that bob (HR) may hold. */
export const HR = ['hr.profile.read', 'hr.timeoff.read', 'hr.timeoff.write', 'hr.records.read'];

export interface SecondHop {
  ts: TestService;
  ex: Examples;
  /** Every call the example APIs answered, in order. */
  calls: ApiCall[];
  /** Every exchange the MCP servers made (or answered from their cache), in order. */
  exchanges: ExchangeEvent[];
  /** A first-hop token of alice (sales) for `aud`. */
  alice(aud: string, scopes: string[]): Promise<string>;
  /** A first-hop token of bob (hr) for `aud`. */
  bob(aud: string, scopes: string[]): Promise<string>;
}

/** Starts the stack in the calling file's beforeAll and closes it in its afterAll. */
export function useSecondHop(): SecondHop {
  const hop = {
    calls: [],
    exchanges: [],
    alice: (aud, scopes) => userToken(hop.ts, { sub: 'alice', groups: ['sales'], aud, scopes }),
    bob: (aud, scopes) => userToken(hop.ts, { sub: 'bob', groups: ['hr'], aud, scopes }),
  } as Omit<SecondHop, 'ts' | 'ex'> as SecondHop;
  beforeAll(async () => {
    hop.ts = await startTestService();
    hop.ex = await startExamples({
      issuer: hop.ts.issuer,
      secrets: SECRETS,
      onCall: (c) => hop.calls.push(c),
      onExchange: (e) => hop.exchanges.push(e),
    });
  });
  afterAll(async () => {
    await (hop.ex as Examples | undefined)?.close();
    await (hop.ts as TestService | undefined)?.close();
  });
  return hop;
}
