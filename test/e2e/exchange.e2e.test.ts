/**
 * End to end over real sockets, from clients no part of Mandate wrote:
 * 1. oauth4webapi: discovery from the RFC 8414 metadata, then its generic token endpoint request (genericTokenEndpointRequest) with the
 *    token-exchange grant type and client_secret_basic; the issued token verified with jose against
 *    the JWKS the metadata names;
 * 2. Mandate started as a user starts it (`npx tsx src/main.ts` with environment variables), waited
 *    for on /readyz, then plain fetch;
 * 3. the whole service on embedded Postgres (PGlite, no DATABASE_URL): one exchange.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestIdp, type TestIdp } from '../helpers/idp.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import {
  API,
  basic,
  form,
  freePort,
  MCP,
  SECRETS,
  startTestService,
  type TestService,
} from '../helpers/service.js';
import {
  ACCESS_TOKEN,
  eventually,
  repoRoot,
  salesforceExchange,
  subjectClaims,
  TOKEN_EXCHANGE,
} from '../helpers/exchange.js';

describe('oauth4webapi against a running Mandate', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await startTestService();
  });
  afterAll(async () => svc?.close());

  it('discovers the server, exchanges a token with genericGrantRequest and verifies it with jose', async () => {
    const issuer = new URL(svc.issuer);
    const discovery = await oauth.discoveryRequest(issuer, {
      algorithm: 'oauth2',
      [oauth.allowInsecureRequests]: true,
    });
    const as = await oauth.processDiscoveryResponse(issuer, discovery);
    expect(as.issuer).toBe(svc.issuer);
    expect(as.token_endpoint).toBe(`${svc.issuer}/token`);

    const client: oauth.Client = { client_id: 'mcp-salesforce' };
    const subject = await svc.idp.mint(subjectClaims(svc, { scope: 'crm.read crm.write' }), {
      typ: 'at+jwt',
    });
    const response = await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.ClientSecretBasic(SECRETS.salesforce),
      TOKEN_EXCHANGE,
      new URLSearchParams({
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        resource: API.salesforce,
        scope: 'crm.read',
      }),
      { [oauth.allowInsecureRequests]: true },
    );
    expect(response.headers.get('cache-control')).toBe('no-store');
    const result = await oauth.processGenericTokenEndpointResponse(as, client, response);
    expect(result.token_type).toBe('bearer');
    expect(result.issued_token_type).toBe(ACCESS_TOKEN);
    expect(result.expires_in).toBeGreaterThan(0);

    const jwks = createRemoteJWKSet(new URL(as.jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(result.access_token, jwks, {
      issuer: as.issuer,
      audience: API.salesforce,
      typ: 'at+jwt',
      algorithms: ['ES256'],
    });
    expect(protectedHeader.kid).toBeTypeOf('string');
    expect(payload).toMatchObject({ sub: 'alice', client_id: 'mcp-salesforce', scope: 'crm.read' });
    expect(payload.exp! - payload.iat!).toBe(result.expires_in);

    // oauth4webapi surfaces Mandate's refusals as the exact RFC 6749 §5.2 error.
    const refused = await oauth.genericTokenEndpointRequest(
      as,
      client,
      oauth.ClientSecretBasic(SECRETS.salesforce),
      TOKEN_EXCHANGE,
      new URLSearchParams({
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        resource: API.workday,
      }),
      { [oauth.allowInsecureRequests]: true },
    );
    const err = await oauth.processGenericTokenEndpointResponse(as, client, refused).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(oauth.ResponseBodyError);
    expect((err as oauth.ResponseBodyError).error).toBe('unauthorized_client');
    expect((err as oauth.ResponseBodyError).status).toBe(400);
  });
});

describe('Mandate started as a user starts it (npx tsx src/main.ts)', () => {
  let child: ChildProcess;
  let db: TestDatabase;
  let idp: TestIdp;
  let dataDir: string;
  let url: string;
  let stderr = '';
  beforeAll(async () => {
    idp = await createTestIdp();
    db = await createTestDatabase({ migrate: false });
    dataDir = await mkdtemp(join(tmpdir(), 'mandate-e2e-'));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const configPath = join(dataDir, 'mandate.json');
    await writeFile(
      configPath,
      JSON.stringify({
        clients: [
          {
            client_id: 'mcp-salesforce',
            token_endpoint_auth_method: 'client_secret_basic',
            client_secret_env: 'SALESFORCE_MCP_SECRET',
            audiences: [MCP.salesforce],
          },
        ],
        issuers: [{ issuer: idp.issuer, jwks: idp.jwks, algorithms: ['ES256'] }],
      }),
    );
    child = spawn('npx', ['tsx', 'src/main.ts'], {
      cwd: repoRoot,
      detached: true, // its own process group, so that npx, tsx and node stop together
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        MANDATE_CONFIG: configPath,
        MANDATE_DATA_DIR: dataDir,
        MANDATE_ISSUER: url,
        PORT: String(port),
        MANDATE_KEK: randomBytes(32).toString('base64url'),
        SALESFORCE_MCP_SECRET: SECRETS.salesforce,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => (stderr += d.toString()));
    const ready = await eventually(
      () =>
        fetch(`${url}/readyz`).then(
          (r) => r.status === 200,
          () => false,
        ),
      60_000,
      250,
    );
    if (!ready) throw new Error(`Mandate did not become ready:\n${stderr}`);
  }, 90_000);
  afterAll(async () => {
    if (child?.pid !== undefined && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
    await db?.drop();
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  });

  it('exchanges a token over plain fetch and logs no raw token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const subject = await idp.mint(
      {
        iss: idp.issuer,
        sub: 'bob',
        aud: MCP.salesforce,
        groups: ['sales'],
        scope: 'crm.read crm.write',
        iat: now,
        exp: now + 600,
      },
      { typ: 'at+jwt' },
    );
    const res = await fetch(`${url}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic('mcp-salesforce', SECRETS.salesforce),
      },
      body: form({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subject,
        subject_token_type: ACCESS_TOKEN,
        audience: 'salesforce',
        scope: 'crm.write',
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status, JSON.stringify(body)).toBe(200);
    const { payload } = await jwtVerify(
      String(body.access_token),
      createRemoteJWKSet(new URL(`${url}/jwks`)),
      {
        issuer: url,
        audience: 'salesforce',
        typ: 'at+jwt',
      },
    );
    expect(payload).toMatchObject({ sub: 'bob', scope: 'crm.write', act: { sub: 'mcp-salesforce' } });
    expect(stderr).toContain('Mandate is listening');
    expect(stderr).not.toContain(subject);
    expect(stderr).not.toContain(String(body.access_token));
    expect(stderr).not.toContain(SECRETS.salesforce);
  });
});

describe('the whole service on embedded Postgres (PGlite)', () => {
  let svc: TestService;
  beforeAll(async () => {
    // An empty DATABASE_URL counts as unset: the service opens PGlite in its data folder.
    svc = await startTestService({ env: { DATABASE_URL: '' } });
  }, 90_000);
  afterAll(async () => svc?.close());

  it('runs on PGlite and exchanges a token', async () => {
    expect(svc.logs.lines.some((l) => /pglite/i.test(`${l.msg} ${JSON.stringify(l.fields ?? {})}`))).toBe(
      true,
    );
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({
      token_type: 'Bearer',
      issued_token_type: ACCESS_TOKEN,
      expires_in: 300,
    });
    const ready = await fetch(`${svc.url}/readyz`);
    expect(ready.status).toBe(200);
  });
});
