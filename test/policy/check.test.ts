// `mandate policy check` as a library: a refused bundle is reported with the reason the service
// would give, a loaded one has its samples decided by the service's own engine, sorted by name,
// each failing sample named as a problem.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkBundle } from '../../src/policy/check.js';
import { DEFAULT_ENTRYPOINT } from '../../src/policy/contract.js';
import { sha256Hex } from '../../src/policy/load.js';
import { buildBundle, input, repoRoot, tempDir, writePolicy } from './helpers.js';

let withSamples: Buffer;

beforeAll(async () => {
  const src = writePolicy(`package mcp.authz

decision := {"allow": true, "scopes": input.scopes, "ttl_seconds": 60} if "sales" in input.subject.groups
decision := {"allow": false, "reasons": [{"code": "not_sales", "message": "only sales"}]} if not "sales" in input.subject.groups
`);
  mkdirSync(join(src, 'samples'));
  const sample = (name: string, v: unknown): void =>
    writeFileSync(join(src, 'samples', `${name}.json`), JSON.stringify(v));
  sample('b-sales-allowed', { input: input(), expect: { allow: true, scopes: ['crm.read'] } });
  sample('a-wrong-expectation', { input: input(), expect: { allow: false } });
  sample('c-outside-contract', { input: { ...input(), action: 'fly' } });
  sample('d-other-denied', {
    input: input({ subject: { ...input().subject, groups: [] } }),
    expect: { allow: false, reasons: ['not_sales'] },
  });
  withSamples = readFileSync(await buildBundle(join(tempDir(), 'b.tar.gz'), { src, revision: 'samples-1' }));
}, 120_000);

describe('checkBundle', () => {
  it('passes the shipped bundle with its samples, host builtins listed', async () => {
    const r = await checkBundle(readFileSync(join(repoRoot, 'bundles/default.tar.gz')), {
      entrypoint: DEFAULT_ENTRYPOINT,
    });
    expect(r.ok).toBe(true);
    expect(r.problems).toEqual([]);
    expect(r.samples.length).toBeGreaterThan(0);
    expect(r.samples.every((s) => s.problem === undefined)).toBe(true);
    expect(r.builtins).toEqual([]);
  });

  it('decides every sample, in name order, and names each failing one', async () => {
    const r = await checkBundle(withSamples, { entrypoint: DEFAULT_ENTRYPOINT });
    expect(r.ok).toBe(false);
    expect(r.info).toEqual({ revision: 'samples-1', digest: sha256Hex(withSamples) });
    expect(r.entrypoint).toBe(DEFAULT_ENTRYPOINT);
    expect(r.samples.map((s) => s.name)).toEqual([
      'a-wrong-expectation',
      'b-sales-allowed',
      'c-outside-contract',
      'd-other-denied',
    ]);
    expect(r.samples[1]).toEqual({ name: 'b-sales-allowed', allow: true });
    expect(r.samples[3]).toEqual({ name: 'd-other-denied', allow: false });
    expect(r.problems).toEqual([
      'sample a-wrong-expectation: allow true, expected false',
      expect.stringMatching(
        /^sample c-outside-contract: input is outside the decision contract: action: /,
      ) as string,
    ]);
  });

  it('reports a bundle the service would refuse, with its digest and revision', async () => {
    const bytes = Buffer.from('garbage');
    const r = await checkBundle(bytes, { entrypoint: DEFAULT_ENTRYPOINT });
    expect(r).toMatchObject({
      ok: false,
      info: { revision: '', digest: sha256Hex(bytes) },
      samples: [],
      builtins: [],
    });
    expect(r.problems).toEqual([expect.stringMatching(/^the service would refuse this bundle: /) as string]);
    const wrongEntry = await checkBundle(withSamples, { entrypoint: 'x/y' });
    expect(wrongEntry.info.revision).toBe('samples-1');
    expect(wrongEntry.problems[0]).toMatch(
      /^the service would refuse this bundle: entrypoint x\/y is not in the bundle/,
    );
  });
});
