/**
 * The kit's policy client's decision cache (src/policy/tool-policy.ts): keyed on everything that
 * goes into the decision, bounded by cacheSeconds and the token's expiry, never caching a failure,
 * sharing one evaluation between concurrent calls (the rest: tool-policy.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { access, call, clock, json, NOW, pdp, policy } from './tool-policy-harness.js';

describe('the decision cache', () => {
  it('reuses a decision for the same token, tool, arguments and attributes only', async () => {
    const { sent, fetch } = pdp(() => json({ decision: true }));
    let amount = 10;
    const p = policy(fetch, { attributes: { update_opportunity_stage: async () => ({ amount }) } });
    await p.decide(access(), call);
    await p.decide(access(), { name: call.name, arguments: { stage: 'Won', id: 'opp-1' } }); // same, reordered
    expect(p.evaluations).toBe(1);
    await p.decide(access(), { ...call, arguments: { id: 'opp-2', stage: 'Won' } });
    await p.decide(access({ token: 'eyJ.other.sig' }), call);
    await p.decide(access(), { ...call, name: 'get_opportunity' });
    amount = 11;
    await p.decide(access(), call);
    expect(p.evaluations).toBe(5);
    expect(sent).toHaveLength(5);
  });

  it('for cacheSeconds, never past the token’s expiry, and not at all with 0', async () => {
    const { fetch } = pdp(() => json({ decision: true }));
    const p = policy(fetch, { cacheSeconds: 5 });
    await p.decide(access(), call);
    clock.now += 4;
    await p.decide(access(), call);
    expect(p.evaluations).toBe(1);
    clock.now += 1;
    await p.decide(access(), call);
    expect(p.evaluations).toBe(2);
    const expiring = access({ expiresAt: NOW + 1 });
    clock.now = NOW;
    await p.decide(expiring, { ...call, name: 'x' });
    clock.now += 1;
    await p.decide(expiring, { ...call, name: 'x' });
    expect(p.evaluations).toBe(4);
    const none = policy(fetch, { cacheSeconds: 0 });
    await none.decide(access(), call);
    await none.decide(access(), call);
    expect(none.evaluations).toBe(2);
  });

  it('never caches a failure, and shares one request between concurrent identical calls', async () => {
    let fail = true;
    const { fetch } = pdp(() => (fail ? json('down', 503) : json({ decision: true })));
    const p = policy(fetch);
    await expect(p.decide(access(), call)).rejects.toMatchObject({ status: 503 });
    fail = false;
    const both = await Promise.all([p.decide(access(), call), p.decide(access(), call)]);
    expect(both.map((d) => d.allow)).toEqual([true, true]);
    expect(p.evaluations).toBe(2);
  });

  it('a caller that aborts leaves the others sharing its evaluation with their decision', async () => {
    // Like the real fetch: rejects when its signal aborts, answers when the PDP does.
    let answer: (r: Response) => void = () => undefined;
    const signals: AbortSignal[] = [];
    const fetch = ((_u: unknown, init?: RequestInit) =>
      new Promise<Response>((resolve, reject) => {
        const signal = init?.signal ?? undefined;
        if (signal) signals.push(signal);
        answer = resolve;
        signal?.addEventListener('abort', () => reject(signal.reason));
      })) as typeof globalThis.fetch;
    const p = policy(fetch);
    const first = new AbortController();
    const second = new AbortController();
    const a = p.decide(access(), call, first.signal).catch((x: unknown) => x);
    const b = p.decide(access(), call, second.signal);
    const c = p.decide(access(), call); // no signal of its own
    await new Promise((r) => setImmediate(r));
    expect(p.evaluations).toBe(1);
    first.abort(new Error('client went away'));
    expect(await a).toMatchObject({
      error: 'temporarily_unavailable',
      message: 'the call was abandoned before the policy answered',
    });
    expect(signals[0]!.aborted).toBe(false);
    answer(json({ decision: true }));
    expect(await b).toEqual({ allow: true, decisionId: undefined });
    expect(await c).toEqual({ allow: true, decisionId: undefined });
    expect(p.evaluations).toBe(1);
    // An already aborted signal is refused without waiting, and the cached decision stays.
    const gone = AbortSignal.abort();
    await expect(p.decide(access(), { ...call, name: 'other' }, gone)).rejects.toMatchObject({
      message: 'the call was abandoned before the policy answered',
    });
  });

  it('an uncached evaluation is cancelled with its caller', async () => {
    const signals: AbortSignal[] = [];
    const fetch = ((_u: unknown, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        const signal = init?.signal as AbortSignal;
        signals.push(signal);
        signal.addEventListener('abort', () => reject(signal.reason));
      })) as typeof globalThis.fetch;
    const p = policy(fetch, { cacheSeconds: 0 });
    const own = new AbortController();
    const pending = p.decide(access(), call, own.signal).catch((x: unknown) => x);
    await new Promise((r) => setImmediate(r));
    own.abort();
    expect(await pending).toMatchObject({ message: 'the call was abandoned before the policy answered' });
    expect(signals[0]!.aborted).toBe(true);
  });
});
