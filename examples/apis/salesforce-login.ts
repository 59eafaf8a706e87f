/**
 * An emulator of Salesforce's token endpoint for the OAuth 2.0 JWT Bearer Flow
 * (help.salesforce.com, "OAuth 2.0 JWT Bearer Flow for Server-to-Server Integration"), following
 * its published wire format: `POST /services/oauth2/token` with form parameters `grant_type` =
 * `urn:ietf:params:oauth:grant-type:jwt-bearer` and `assertion`; the JWT's header `{"alg":"RS256"}`,
 * claims `iss` (consumer key), `sub` (username), `aud` (login host), `exp` (within 3 minutes);
 * the signature checked with the certificate uploaded to the connected app. Success is 200
 * `{access_token, scope, instance_url, id, token_type: "Bearer"}` (no `expires_in`, no
 * `refresh_token`); errors are 400 `{error, error_description}` with Salesforce's texts (each
 * text's source beside it in checkAssertion: the published docs where they give one).
 * Written from the documentation only; it shares no code with Mandate's connector. The connector
 * tests (test/e2e/connectors-salesforce.e2e.test.ts) and the demo, which stands it in for
 * `https://login.salesforce.example`, both use it; the org's REST API (salesforce-org.ts) accepts
 * only the tokens it issued.
 */
import { createPublicKey, randomBytes, verify, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface SalesforceUser {
  /** Whether the connected app is pre-authorized for the user (profile or permission set). */
  approved: boolean;
  userId: string;
}

export interface SalesforceEmulator {
  loginUrl: string;
  orgId: string;
  instanceUrl: string;
  /** Every request's form parameters, in order (the tests count and inspect them). */
  requests: Record<string, string>[];
  /** The decoded claims of each assertion that verified. */
  assertions: { header: Record<string, unknown>; claims: Record<string, unknown> }[];
  /** Access tokens issued, by username. */
  issued: { username: string; token: string }[];
  /** The username an access token it issued acts as (the org's session), else undefined. */
  session(token: string): string | undefined;
  /** `up` answers; `down` answers 503; `hang` never answers. */
  mode: 'up' | 'down' | 'hang';
  /** Uploads the connected app's certificate (PEM), replacing the previous one. */
  setCertificate(pem: string): void;
  close(): Promise<void>;
}

export interface SalesforceEmulatorOptions {
  consumerKey: string;
  users: Record<string, SalesforceUser>;
  scope?: string;
  /** The org's `instance_url` (default `https://acme.my.salesforce.com`). */
  instanceUrl?: string;
  /** The emulator's clock (epoch seconds); a test moving Mandate's clock moves this one too. */
  now?: () => number;
}

const b64json = (s: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;

type Outcome = { status: number; body: Record<string, unknown> };
const refuse = (error: string, error_description: string): Outcome => ({
  status: 400,
  body: { error, error_description },
});

function checkAssertion(
  jwt: string,
  opts: SalesforceEmulatorOptions,
  cert: KeyObject | undefined,
  loginUrl: string,
): Outcome | { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const parts = jwt.split('.');
  if (parts.length !== 3) return refuse('invalid_grant', 'invalid assertion');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = b64json(parts[0]!);
    claims = b64json(parts[1]!);
  } catch {
    return refuse('invalid_grant', 'invalid assertion');
  }
  if (header.alg !== 'RS256' || cert === undefined) return refuse('invalid_grant', 'invalid assertion');
  const signed = verify(
    'sha256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    cert,
    Buffer.from(parts[2]!, 'base64url'),
  );
  if (!signed) return refuse('invalid_grant', 'invalid assertion');
  // Not in Salesforce's published error list; the body Salesforce's token endpoint is reported to
  // send for an unknown consumer key (e.g. https://pastebin.com/y5mKM31g, its password flow).
  if (claims.iss !== opts.consumerKey) return refuse('invalid_client_id', 'client identifier invalid');
  // Published: Salesforce Help, "OAuth 2.0 Authorization Errors" (articleView?id=
  // sf.remoteaccess_oauth_flow_errors.htm), the JWT bearer flow's example error response is
  // 400 {"error":"invalid_grant","error_description":"Audience validation failed"}. (Field reports
  // also show "audience is invalid"; the documented text wins here.)
  if (claims.aud !== loginUrl) return refuse('invalid_grant', 'Audience validation failed');
  const now = opts.now?.() ?? Math.floor(Date.now() / 1000);
  // The exp must be within 3 minutes; Salesforce allows 3 minutes of clock skew past it. The text
  // is not in the published docs; it is what Salesforce answers a JWT bearer request whose exp has
  // passed in field reports (salesforce.stackexchange.com/questions/282513,
  // github.com/newrelic/newrelic-salesforce-exporter/issues/31).
  if (typeof claims.exp !== 'number' || claims.exp + 180 < now || claims.exp > now + 180 + 180)
    return refuse('invalid_grant', 'expired authorization code');
  const user = typeof claims.sub === 'string' ? opts.users[claims.sub] : undefined;
  if (user === undefined || !user.approved)
    return refuse('invalid_grant', "user hasn't approved this consumer");
  return { header, claims };
}

export async function startSalesforceEmulator(opts: SalesforceEmulatorOptions): Promise<SalesforceEmulator> {
  let cert: KeyObject | undefined;
  const orgId = '00D5e000000AbCdEAK';
  const emu: SalesforceEmulator = {
    loginUrl: '',
    orgId,
    instanceUrl: opts.instanceUrl ?? 'https://acme.my.salesforce.com',
    requests: [],
    assertions: [],
    issued: [],
    session: (token) => emu.issued.find((i) => i.token === token)?.username,
    mode: 'up',
    setCertificate: (pem) => {
      cert = createPublicKey(pem);
    },
    close: async () => {},
  };
  const answer = (params: URLSearchParams): Outcome => {
    if (params.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
      return refuse('unsupported_grant_type', 'grant type not supported');
    const assertion = params.get('assertion');
    if (assertion === null) return refuse('invalid_grant', 'invalid assertion');
    const checked = checkAssertion(assertion, opts, cert, emu.loginUrl);
    if ('status' in checked) return checked;
    emu.assertions.push(checked);
    const username = checked.claims.sub as string;
    const token = `${orgId}!AQ${randomBytes(24).toString('base64url')}`;
    emu.issued.push({ username, token });
    return {
      status: 200,
      body: {
        access_token: token,
        scope: opts.scope ?? 'api id web',
        instance_url: emu.instanceUrl,
        id: `${emu.loginUrl}/id/${orgId}/${opts.users[username]!.userId}`,
        token_type: 'Bearer',
      },
    };
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (emu.mode === 'hang') return;
      if (req.method !== 'POST' || req.url !== '/services/oauth2/token') {
        res.writeHead(404).end();
        return;
      }
      const params = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      emu.requests.push(Object.fromEntries(params));
      if (emu.mode === 'down') {
        res.writeHead(503, { 'content-type': 'text/html' }).end('<html>Service Unavailable</html>');
        return;
      }
      const { status, body } = answer(params);
      res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  emu.loginUrl = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`;
  emu.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return emu;
}
