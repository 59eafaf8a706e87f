// Bundle signatures: Mandate's signer (mandate policy build --signing-key) and OPA's own
// (`opa build --signing-key`), each verified by the other side.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { parseBundle } from '../../src/policy/bundle.js';
import { createDecisionService } from '../../src/policy/engine.js';
import { verifyBundleSignature } from '../../src/policy/signature.js';
import { decodeProtectedHeader } from 'jose';
import { buildBundle, input, opaBin, repoRoot, tamper, tempDir, unpack } from './helpers.js';

function ecKeys(dir: string, name: string): { privatePath: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const privatePath = join(dir, `${name}.pem`);
  writeFileSync(privatePath, privateKey.export({ type: 'sec1', format: 'pem' }));
  return { privatePath, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

let dir: string;
let key: { privatePath: string; publicPem: string };
let other: { privatePath: string; publicPem: string };
let signed: string;
let unsigned: string;

beforeAll(async () => {
  dir = tempDir();
  key = ecKeys(dir, 'signer');
  other = ecKeys(dir, 'other');
  signed = await buildBundle(join(dir, 'signed.tar.gz'), { signingKey: key.privatePath });
  unsigned = await buildBundle(join(dir, 'unsigned.tar.gz'));
});

const load = (bundlePath: string, pem: string) =>
  createDecisionService({ bundlePath, verificationKey: pem, log: createMemoryLogger() });

const write = (name: string, bytes: Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
};

describe('bundle signatures', () => {
  it('a bundle signed by mandate policy build verifies and decides', async () => {
    const s = await load(signed, key.publicPem);
    expect(s.decide(input()).allow).toBe(true);
    await s.close();
  });

  it('OPA verifies the signature of a bundle Mandate signed, and refuses it tampered', async () => {
    const pub = write('signer.pub.pem', Buffer.from(key.publicPem));
    const verify = (bundle: string): void => {
      const r = spawnSync(opaBin(), [
        'build',
        '-b',
        bundle,
        '--verification-key',
        pub,
        '--signing-alg',
        'ES256',
        '-o',
        join(dir, 'reverified.tar.gz'),
      ]);
      if (r.status !== 0) throw new Error(`${r.stdout.toString()}${r.stderr.toString()}`);
    };
    expect(() => verify(signed)).not.toThrow();
    const tampered = write(
      'opa-tampered.tar.gz',
      await tamper(signed, (files) => {
        files.set(
          '/data.json',
          Buffer.from(files.get('/data.json')!.toString().replace('"crm.write"', '"crm.admin"')),
        );
      }),
    );
    expect(() => verify(tampered)).toThrow(/digest mismatch/);
  });

  it('a bundle signed by opa build itself verifies and decides', async () => {
    const out = join(dir, 'opa-signed.tar.gz');
    execFileSync(
      opaBin(),
      [
        'build',
        '--bundle',
        '-t',
        'wasm',
        '-e',
        'mcp/authz/decision',
        '--ignore',
        '*_test.rego',
        '--signing-key',
        key.privatePath,
        '--signing-alg',
        'ES256',
        '-o',
        out,
        '.',
      ],
      { cwd: join(repoRoot, 'rego'), stdio: 'pipe' },
    );
    const s = await load(out, key.publicPem);
    expect(s.decide(input()).allow).toBe(true);
    await s.close();
  });

  it('signs with RS256 for an RSA key (ES256 for P-256), and the service and OPA verify it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const priv = write('rsa.pem', Buffer.from(privateKey.export({ type: 'pkcs8', format: 'pem' })));
    const pubPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const pub = write('rsa.pub.pem', Buffer.from(pubPem));
    const rsa = await buildBundle(join(dir, 'rsa.tar.gz'), { signingKey: priv });
    const jwtOf = async (p: string) =>
      (
        JSON.parse((await unpack(readFileSync(p))).get('/.signatures.json')!.toString()) as {
          signatures: string[];
        }
      ).signatures[0]!;
    expect(decodeProtectedHeader(await jwtOf(rsa))).toEqual({ alg: 'RS256' });
    expect(decodeProtectedHeader(await jwtOf(signed))).toEqual({ alg: 'ES256' });
    const s = await load(rsa, pubPem);
    expect(s.decide(input()).allow).toBe(true);
    await s.close();
    execFileSync(
      opaBin(),
      ['build', '-b', rsa, '--verification-key', pub, '-o', join(dir, 'rsa-re.tar.gz')],
      { stdio: 'pipe' },
    );
  });

  it('refuses an unsigned bundle when a key is configured', async () => {
    await expect(load(unsigned, key.publicPem)).rejects.toThrow(/not signed/);
  });

  it('refuses a bundle signed by another key', async () => {
    await expect(load(signed, other.publicPem)).rejects.toThrow(/signature does not verify/);
  });

  it('refuses a tampered data.json', async () => {
    const bytes = await tamper(signed, (files) => {
      const data = files.get('/data.json')!.toString().replace('"crm.write"', '"crm.admin"');
      files.set('/data.json', Buffer.from(data));
    });
    await expect(load(write('tampered.tar.gz', bytes), key.publicPem)).rejects.toThrow(
      /data\.json: digest mismatch/,
    );
  });

  it('accepts data.json reformatted without a semantic change (OPA hashes canonical JSON)', async () => {
    const bytes = await tamper(signed, (files) => {
      const pretty = JSON.stringify(JSON.parse(files.get('/data.json')!.toString()), null, 2);
      files.set('/data.json', Buffer.from(pretty));
    });
    const s = await load(write('pretty.tar.gz', bytes), key.publicPem);
    expect(s.ready()).toBe(true);
    await s.close();
  });

  it('refuses an added file and a removed file', async () => {
    const added = await tamper(signed, (files) => files.set('/extra.rego', Buffer.from('package x\n')));
    await expect(load(write('added.tar.gz', added), key.publicPem)).rejects.toThrow(
      /extra\.rego is not covered/,
    );
    const removed = await tamper(signed, (files) => files.delete('/mcp/authz/common.rego'));
    await expect(load(write('removed.tar.gz', removed), key.publicPem)).rejects.toThrow(
      /missing from the bundle: mcp\/authz\/common\.rego/,
    );
  });

  it('refuses a swapped policy.wasm', async () => {
    const otherWasm = (await unpack(readFileSync(unsigned))).get('/policy.wasm')!;
    const bytes = await tamper(signed, (files) =>
      files.set('/policy.wasm', Buffer.concat([otherWasm, Buffer.from([0])])),
    );
    await expect(load(write('wasm.tar.gz', bytes), key.publicPem)).rejects.toThrow(
      /policy\.wasm: digest mismatch/,
    );
  });

  it('never accepts HS256 with the public key as the secret, nor alg none', async () => {
    const bundle = await parseBundle(readFileSync(signed));
    await expect(
      verifyBundleSignature(bundle, { publicKey: key.publicPem, algorithms: ['HS256', 'none'] }),
    ).rejects.toThrow(/no asymmetric algorithm allowed/);
    const forged = { ...bundle, signatures: { signatures: ['eyJhbGciOiJub25lIn0.eyJmaWxlcyI6W119.'] } };
    await expect(verifyBundleSignature(forged, { publicKey: key.publicPem })).rejects.toThrow(
      /does not verify/,
    );
  });

  it('matches OPA hashing for awkward JSON (key order, number lexemes, escapes)', async () => {
    const src = join(dir, 'awkward');
    cpSync(join(repoRoot, 'rego'), src, { recursive: true });
    const awkward =
      '{"zeta": 1.0, "Zeta": 1e3, "é": -0, "\\uff00": 1.5E+2, "😀": "a\\u2028b<>&\\b\\f\\t\\u0001\\"", "a": [true, null, {"y": 2, "x": 10000000000000000000001}]}';
    mkdirSync(join(src, 'awkward'));
    writeFileSync(join(src, 'awkward', 'data.json'), awkward);
    const bundlePath = await buildBundle(join(dir, 'awkward.tar.gz'), { src, signingKey: key.privatePath });
    const s = await load(bundlePath, key.publicPem);
    expect(s.ready()).toBe(true);
    await s.close();
  });
});
