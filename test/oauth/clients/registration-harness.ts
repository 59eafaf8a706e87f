/**
 * What the registration tests share: a real Mandate (fixed clock NOW, dynamic clients living TTL
 * seconds) and `register`, a POST of a body to its /register endpoint.
 */
import { afterAll, beforeAll } from 'vitest';
import { startTestService, type TestService } from '../../helpers/service.js';

export const NOW = 1_800_000_000;
export const TTL = 3600;

/** The service of one test file (set once `beforeAll` has run) and its registration request. */
export interface Registration {
  svc: TestService;
  register: (body: unknown, contentType?: string) => Promise<Response>;
}

/** Registers the file's hooks (inside a `describe`) and returns its service and `register`. */
export function useRegistration(): Registration {
  const h = {} as Registration;
  h.register = (body: unknown, contentType = 'application/json') =>
    fetch(`${h.svc.issuer}/register`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  beforeAll(async () => {
    h.svc = await startTestService({ now: () => NOW, env: { MANDATE_DYNAMIC_CLIENT_TTL: String(TTL) } });
  });
  afterAll(async () => h.svc?.close());
  return h;
}
