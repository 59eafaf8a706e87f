/** The connector certificate is a valid self-signed X.509 certificate for exactly the key it names. */
import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CERTIFICATE_DAYS, selfSignedCertificate } from '../../src/keys/certificate.js';

describe('selfSignedCertificate', () => {
  it('is self-signed by the key it certifies, for signatures only, valid from now for two years', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const now = 1_764_140_000;
    const pem = await selfSignedCertificate({
      commonName: 'Mandate connector salesforce',
      privateKey,
      publicKey,
      now,
    });
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/);
    const cert = new X509Certificate(pem);
    expect(cert.subject).toBe('CN=Mandate connector salesforce');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(publicKey)).toBe(true);
    expect(cert.checkPrivateKey(privateKey)).toBe(true);
    expect(cert.ca).toBe(false);
    expect(Date.parse(cert.validFrom) / 1000).toBe(now - 60);
    expect((Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000).toBe(CERTIFICATE_DAYS);
    // Another key does not verify it.
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(cert.verify(other.publicKey)).toBe(false);
  });

  it('gives each certificate its own positive serial', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const serials = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const pem = await selfSignedCertificate({ commonName: 'x', privateKey, publicKey, now: 1_764_140_000 });
      const serial = new X509Certificate(pem).serialNumber;
      expect(Number.parseInt(serial.slice(0, 2), 16)).toBeLessThan(0x80);
      serials.add(serial);
    }
    expect(serials.size).toBe(300);
  });
});
