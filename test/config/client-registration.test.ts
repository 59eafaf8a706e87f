/**
 * Self-registered clients' settings (src/config/client-registration.ts): the hosts allowed past
 * the SSRF guard as it compares them, and the extra trust anchors read at start-up.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

describe('client registration variables', () => {
  it('list the allowed hosts in lower case, IPv6 literals without brackets, empty entries dropped', () => {
    const config = loadConfig({ MANDATE_CIMD_ALLOWED_HOSTS: ' Docs.Example ,[::1],, 10.0.0.7 ' });
    expect(config.clientRegistration.cimdAllowedHosts).toEqual(['docs.example', '::1', '10.0.0.7']);
    expect(loadConfig({}).clientRegistration).toMatchObject({
      cimdAllowedHosts: [],
      cimdTimeoutMs: 5000,
      cimdCa: undefined,
    });
  });

  it('read MANDATE_CIMD_CA_FILE at start-up, naming an unreadable file', () => {
    expect(() => loadConfig({ MANDATE_CIMD_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      /^MANDATE_CIMD_CA_FILE: cannot read \/nonexistent\/ca\.pem: ENOENT/,
    );
  });
});
