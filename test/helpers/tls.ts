/**
 * A throwaway self-signed certificate for `localhost` and 127.0.0.1 (made with the openssl CLI), for
 * tests that need a real HTTPS server which Mandate trusts through MANDATE_CIMD_CA_FILE.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  key: string;
  cert: string;
  /** Path of the certificate file (it is its own CA). */
  certPath: string;
  dispose(): Promise<void>;
}

export async function createTestCert(): Promise<TestCert> {
  const dir = await mkdtemp(join(tmpdir(), 'mandate-tls-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  return {
    key: await readFile(keyPath, 'utf8'),
    cert: await readFile(certPath, 'utf8'),
    certPath,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}
