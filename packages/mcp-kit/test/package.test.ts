/**
 * The kit as a user gets it: `npm pack` (which builds it) gives a tarball of the kit's own files
 * with jose its one dependency; installed from that tarball into a scratch project outside the
 * repository, a consumer file type-checks against the installed declarations and a protected
 * Express server runs from it, challenging, admitting and stepping up as the guide says.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const kitDir = join(import.meta.dirname, '..');
const repoRoot = join(kitDir, '../..');
const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
const RESOURCE = 'https://notes.example/mcp';

interface PackResult {
  filename: string;
  files: { path: string }[];
}

let scratch: string;
let packed: PackResult;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'mcp-kit-scratch-'));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: kitDir,
    maxBuffer: 16 * 1024 * 1024,
  });
  // npm prints the prepack build's output before the JSON array.
  packed = (JSON.parse(stdout.slice(stdout.indexOf('\n[') + 1)) as PackResult[])[0] as PackResult;
  writeFileSync(
    join(scratch, 'package.json'),
    JSON.stringify({ name: 'kit-consumer', private: true, type: 'module' }),
  );
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      join(scratch, packed.filename),
      'express@5',
      '@types/express@5',
      '@types/node@20',
    ],
    { cwd: scratch, maxBuffer: 16 * 1024 * 1024 },
  );
}, 300_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

describe('the packed kit', () => {
  it('holds only its own built files, and jose is its only dependency', () => {
    const paths = packed.files.map((f) => f.path).sort();
    for (const path of paths) expect(path).toMatch(/^(package\.json|README\.md|dist\/[\w/-]+\.(js|d\.ts))$/);
    for (const entry of ['index', 'express', 'fastify', 'testing']) {
      expect(paths).toContain(`dist/${entry}.js`);
      expect(paths).toContain(`dist/${entry}.d.ts`);
    }
    const manifest = JSON.parse(
      readFileSync(join(scratch, 'node_modules/@mandate/mcp-kit/package.json'), 'utf8'),
    ) as {
      dependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(Object.keys(manifest.dependencies)).toEqual(['jose']);
    expect(Object.values(manifest.peerDependenciesMeta).every((m) => m.optional)).toBe(true);
    // Nothing of the server came along.
    for (const dep of [
      'pg',
      '@electric-sql/pglite',
      'oidc-provider',
      '@open-policy-agent/opa-wasm',
      'zod',
      'fastify',
    ])
      expect(existsSync(join(scratch, 'node_modules', dep)), dep).toBe(false);
  });

  it('type-checks a consumer file against the installed declarations', async () => {
    writeFileSync(
      join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2023',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.ts', 'misuse.ts'],
      }),
    );
    writeFileSync(
      join(scratch, 'consumer.ts'),
      `import express from 'express';
import { createExchangeClient, createResourceServer, createToolPolicy, ExchangeError, OAuthError, type VerifiedAccess } from '@mandate/mcp-kit';
import { protectedResourceMetadataHandler, requireAccess } from '@mandate/mcp-kit/express';

const rs = createResourceServer({ resource: '${RESOURCE}', issuer: 'https://mandate.example', requiredScopes: ['notes.read'] });
const policy = createToolPolicy({ issuer: 'https://mandate.example', clientId: 'notes', clientSecret: 's', timeoutMs: 1000 });
const exchange = createExchangeClient({
  issuer: 'https://mandate.example', clientId: 'notes', clientSecret: 's',
  services: { notes: { resource: 'https://api.notes.example' } },
});
const app = express();
app.use(express.json());
app.get(rs.metadataPath, protectedResourceMetadataHandler(rs));
app.post('/mcp', requireAccess(rs, { policy }), (req, res) => {
  const auth = (req as unknown as { auth: VerifiedAccess }).auth;
  exchange.getDownstreamToken(auth.token, 'notes', ['notes.read']).then(
    (t) => res.json({ sub: auth.sub, expiresAt: t.expiresAt }),
    (err: unknown) => res.status(err instanceof ExchangeError ? 403 : 500).json({ error: err instanceof OAuthError ? err.error : 'x' }),
  );
});
const scopes: string[] = rs.metadata.scopes_supported ?? [];
export { app, scopes };
`,
    );
    // A file that misuses the API, checked in the same run: the check is not vacuous.
    writeFileSync(
      join(scratch, 'misuse.ts'),
      `import { createResourceServer } from '@mandate/mcp-kit';\ncreateResourceServer({ resource: 1, issuer: 'x' });\n`,
    );
    const result = await run(process.execPath, [tsc, '-p', scratch], { cwd: scratch }).then(
      () => ({ stdout: '' }),
      (err: { stdout: string }) => err,
    );
    const errors = result.stdout.split('\n').filter((l) => l.includes('error TS'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^misuse\.ts\(2,\d+\): error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  }, 240_000);

  it('exposes only its entry points', async () => {
    const probe = `import('@mandate/mcp-kit/dist/resource.js').then(() => process.exit(1), (e) => { console.log(e.code); })`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', probe], { cwd: scratch });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  describe('a protected Express server run from the installed kit', () => {
    let issuer: Server;
    let child: ChildProcess;
    let base: string;
    let issuerUrl: string;
    const evaluations: { authorization: string | undefined; body: unknown }[] = [];
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

    beforeAll(async () => {
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
      // A stand-in for Mandate: its JWKS, and its AuthZEN endpoint deciding as a policy that says
      // write_note needs notes.write would (Mandate itself: test/oauth/authzen/kit-policy.test.ts).
      issuer = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        if (req.url !== '/access/v1/evaluation') {
          res.end(JSON.stringify({ keys: [jwk] }));
          return;
        }
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          evaluations.push({ authorization: req.headers.authorization, body: JSON.parse(body) as unknown });
          const { subject, resource } = JSON.parse(body) as {
            subject: { properties: { scopes: string[] } };
            resource: { id: string };
          };
          const scopes = subject.properties.scopes;
          if (resource.id !== 'write_note' || scopes.includes('notes.write')) {
            res.end(JSON.stringify({ decision: true }));
            return;
          }
          const context = {
            reason_admin: { en: 'insufficient_scope' },
            reason_user: { en: 'tool write_note needs notes.write' },
            scope: [...scopes, 'notes.write'].join(' '),
          };
          res.end(JSON.stringify({ decision: false, context }));
        });
      });
      issuer.listen(0, '127.0.0.1');
      await once(issuer, 'listening');
      issuerUrl = `http://127.0.0.1:${(issuer.address() as { port: number }).port}`;
      writeFileSync(
        join(scratch, 'server.mjs'),
        `import express from 'express';
import { createResourceServer, createToolPolicy } from '@mandate/mcp-kit';
import { protectedResourceMetadataHandler, requireAccess } from '@mandate/mcp-kit/express';
const rs = createResourceServer({ resource: '${RESOURCE}', issuer: process.env.ISSUER, scopesSupported: ['notes.read', 'notes.write'], requiredScopes: ['notes.read'] });
const policy = createToolPolicy({ issuer: process.env.ISSUER, clientId: 'notes-mcp', clientSecret: 'notes-secret' });
const app = express();
app.use(express.json());
app.get(rs.metadataPath, protectedResourceMetadataHandler(rs));
app.post('/mcp', requireAccess(rs, { policy }), (req, res) => res.json({ sub: req.auth.sub }));
const server = app.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ port: server.address().port })));
`,
      );
      child = spawn(process.execPath, ['server.mjs'], {
        cwd: scratch,
        env: { ...process.env, ISSUER: issuerUrl },
      });
      const [line] = (await once(child.stdout!, 'data')) as [Buffer];
      base = `http://127.0.0.1:${(JSON.parse(line.toString()) as { port: number }).port}`;
    }, 60_000);

    afterAll(async () => {
      child?.kill();
      await new Promise((resolve) => issuer?.close(resolve));
    });

    const token = (scope: string) =>
      new SignJWT({ scope, client_id: 'notes-client' })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'k1' })
        .setIssuer(issuerUrl)
        .setAudience(RESOURCE)
        .setSubject('alice')
        .setJti('jti-1')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
    const call = (authorization: string | undefined, tool = 'read_note') =>
      fetch(`${base}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name: tool, arguments: {} },
        }),
      });

    it('publishes its RFC 9728 metadata', async () => {
      const res = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ resource: RESOURCE, authorization_servers: [issuerUrl] });
    });

    it('challenges a request without a token, admits a valid one, and steps up a tool the policy says needs more', async () => {
      const none = await call(undefined);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe(
        'Bearer resource_metadata="https://notes.example/.well-known/oauth-protected-resource/mcp", scope="notes.read"',
      );
      const ok = await call(`Bearer ${await token('notes.read')}`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ sub: 'alice' });
      const more = await call(`Bearer ${await token('notes.read')}`, 'write_note');
      expect(more.status).toBe(403);
      expect(more.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
      expect(more.headers.get('www-authenticate')).toContain('scope="notes.read notes.write"');
      // Both tool calls were the policy's to decide, asked as the server's client.
      expect(evaluations.map((e) => (e.body as { resource: { id: string } }).resource.id)).toEqual([
        'read_note',
        'write_note',
      ]);
      expect(evaluations[0]?.authorization).toBe(
        `Basic ${Buffer.from('notes-mcp:notes-secret').toString('base64')}`,
      );
    });
  });
});
