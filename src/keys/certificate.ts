/**
 * Self-signed X.509 certificates for connector keys (ADR 0013): the form a SaaS registers a signing
 * key in (Salesforce's connected app: "Use digital signatures", a PEM certificate). node:crypto can
 * read and verify certificates (X509Certificate) but not issue one, so @peculiar/x509 builds it
 * (WebCrypto-based, typed, maintained); it needs the Reflect metadata polyfill its DI container
 * (tsyringe) checks for at load time, imported here and only here.
 */
import 'reflect-metadata';
import { randomBytes, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';

const RSA_PKCS1_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** How long a connector certificate is valid: rotate (mandate connectors rotate) before then. */
export const CERTIFICATE_DAYS = 730;

export interface CertificateOptions {
  /** The subject's common name, e.g. `Mandate connector salesforce`. */
  commonName: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Epoch seconds. */
  now: number;
  days?: number;
}

/** A self-signed RS256 certificate (PEM) for an RSA key pair: not a CA, for digital signatures only. */
export async function selfSignedCertificate(opts: CertificateOptions): Promise<string> {
  const subtle = webcrypto.subtle;
  const keys = {
    privateKey: await subtle.importKey(
      'pkcs8',
      opts.privateKey.export({ format: 'der', type: 'pkcs8' }),
      RSA_PKCS1_SHA256,
      false,
      ['sign'],
    ),
    publicKey: await subtle.importKey(
      'spki',
      opts.publicKey.export({ format: 'der', type: 'spki' }),
      RSA_PKCS1_SHA256,
      true,
      ['verify'],
    ),
  };
  // RFC 5280 §4.1.2.2: a positive serial of at most 20 octets. The first octet is 1..127: a zero
  // one is dropped by the minimal DER encoding, leaving a serial that may then read as negative.
  const serial = randomBytes(16);
  serial[0] = (serial[0]! % 0x7f) + 1;
  const start = new Date((opts.now - 60) * 1000);
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial.toString('hex'),
      name: [{ CN: [opts.commonName] }],
      notBefore: start,
      notAfter: new Date(start.getTime() + (opts.days ?? CERTIFICATE_DAYS) * 86_400_000),
      signingAlgorithm: RSA_PKCS1_SHA256,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ],
    },
    webcrypto as unknown as Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[1],
  );
  return cert.toString('pem') + '\n';
}
