import { describe, expect, it } from 'vitest';
import { isSpecialUse } from '../../../../src/oauth/clients/cimd/special-use-address.js';

describe('special-use addresses (SSRF)', () => {
  it.each([
    '127.0.0.1',
    '10.0.0.7',
    '172.31.255.255',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '198.18.0.1',
    '192.0.2.10',
    '::1',
    '::',
    'fe80::1',
    'fd12:3456::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:8.8.8.8',
    '64:ff9b::a00:1',
    '2002:a00:1::',
    '2001:db8::1',
    'not-an-ip',
  ])('refuses %s', (ip) => {
    expect(isSpecialUse(ip)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '93.184.215.14', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111'])(
    'accepts public %s',
    (ip) => {
      expect(isSpecialUse(ip)).toBe(false);
    },
  );
});
