// Mandate's host builtins against OPA's own (Go, non-WebAssembly) evaluation: the same Rego, the
// same input, evaluated by `opa eval` and by the policy's WebAssembly module with Mandate's
// builtins, must give the same result for every case, errors (undefined) included.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseBundle } from '../../../src/policy/bundle.js';
import { createEvaluator } from '../../../src/policy/evaluator.js';
import { opaBin, tempDir } from '../helpers.js';

const S = 1_000_000_000;
// Instants as ns that a double holds exactly (whole seconds): 2025-11-26T06:53:20Z, etc.
const t0 = 1764140000 * S;
const ny = 'America/New_York';
const paris = 'Europe/Paris';

type Case = [name: string, ...args: unknown[]];

const timeCases: Case[] = [
  ['time.clock', t0],
  ['time.clock', [t0]],
  ['time.clock', [t0, '']],
  ['time.clock', [t0, 'UTC']],
  ['time.clock', [t0, paris]],
  ['time.clock', [t0, ny]],
  ['time.clock', [t0, 'Asia/Kolkata']],
  ['time.clock', [t0, 'Australia/Lord_Howe']],
  ['time.clock', [t0, 'Nowhere/City']],
  ['time.clock', [t0, 'europe/paris']],
  ['time.clock', [t0, '+01:00']],
  ['time.clock', []],
  ['time.clock', 'now'],
  ['time.clock', 1.5],
  ['time.clock', 0],
  ['time.clock', -1 * S],
  ['time.clock', -86_400 * S * 365],
  ['time.clock', 2 ** 62],
  ['time.clock', 2 ** 63],
  ['time.clock', [t0, 5]],
  ['time.date', t0],
  ['time.date', [t0, 'Pacific/Kiritimati']],
  ['time.date', [t0, 'Pacific/Pago_Pago']],
  ['time.date', 0],
  ['time.date', -1],
  ['time.date', 951_782_400 * S], // 2000-02-29
  ['time.date', -(2 ** 63)],
  ['time.date', [-5_000_000_000 * S, paris]],
  ['time.weekday', t0],
  ['time.weekday', [t0, 'Pacific/Kiritimati']],
  ['time.weekday', 0],
  ['time.weekday', -1],
  ['time.weekday', [t0 + 18 * 3600 * S, 'Asia/Tokyo']],
  ['time.add_date', t0, 0, 0, 0],
  ['time.add_date', t0, 1, 2, 3],
  ['time.add_date', t0, 0, 0, -400],
  ['time.add_date', 1738281600 * S, 0, 1, 0], // Jan 31 2025 + 1 month
  ['time.add_date', 1706659200 * S, 0, 1, 0], // Jan 31 2024 + 1 month (leap)
  ['time.add_date', 951_782_400 * S, 1, 0, 0], // Feb 29 2000 + 1 year
  ['time.add_date', t0, 0, 14, 0],
  ['time.add_date', t0, 0, -14, 0],
  ['time.add_date', t0, 300, 0, 0],
  ['time.add_date', t0, -300, 0, 0],
  ['time.add_date', t0, -1955, 0, 0],
  ['time.add_date', t0, 1.5, 0, 0],
  ['time.add_date', [1741501800 * S, ny], 0, 0, 1], // 2025-03-08 01:30 EST + 1 day
  ['time.add_date', [1741469400 * S, ny], 0, 0, 1], // 2025-03-08 16:30 EST + 1 day
  ['time.add_date', [1741419000 * S, ny], 0, 0, 1], // 2025-03-08 02:30 EST + 1 day: 02:30 does not exist
  ['time.add_date', [1762061400 * S, ny], 0, 0, 1], // 2025-11-01 01:30 EDT + 1 day: 01:30 twice
  ['time.add_date', [1762065000 * S, ny], 0, 0, 1],
  ['time.add_date', [1742607000 * S, paris], 0, 0, 8], // 2025-03-22 02:30 CET + 8 days
  ['time.add_date', [t0, paris], 0, 6, 0],
  ['time.diff', t0, t0],
  ['time.diff', t0, 0],
  ['time.diff', 0, t0],
  ['time.diff', 951_782_400 * S, 1_583_020_800 * S],
  ['time.diff', 1738281600 * S, 1740787200 * S],
  ['time.diff', [t0, paris], [t0 + 40 * 86_400 * S, ny]],
  ['time.diff', [t0, ny], t0 + 3 * 3600 * S],
  ['time.diff', t0, 'x'],
  ['time.diff', -S, 1_000 * S],
  ['time.format', t0],
  ['time.format', t0 + 123_456_000],
  ['time.format', [t0, paris]],
  ['time.format', [t0, ny, 'RFC1123Z']],
  ['time.format', [t0, '', 'Mon Jan _2 15:04:05 2006']],
  ['time.format', [t0, 'UTC', 'UnixDate']],
  ['time.format', [t0, 'UTC', 'RFC850']],
  ['time.format', [t0, ny, '2006-01-02 03:04:05 PM -0700 Z0700 -07 Z07 -07:00:00 Z07:00:00 -070000']],
  ['time.format', [t0, 'Asia/Kolkata', 'Z07:00 -07:00 Z0700']],
  ['time.format', [t0, '', '__2 002 _2 2 02 1 01 Jan January Mon Monday 06 3 03 4 04 5 05 pm PM']],
  ['time.format', [t0 + 5_000_000, '', '15:04:05.000 15:04:05,999 .9 .000000000 .99999']],
  ['time.format', [t0 + 5_000_000, '', '05.0001']],
  ['time.format', [0, '', 'Monthly Janitor _2006 __2006']],
  ['time.format', [-62135596800 * S, '']],
  ['time.format', [t0, '', '']],
  ['time.format', [t0, paris, 'Kitchen']],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20.123456789Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20.1234567891234Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20,5Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20+05:30'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20-24:00'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20+24:60'],
  ['time.parse_rfc3339_ns', '2025-11-26T6:53:20Z'],
  ['time.parse_rfc3339_ns', '2025-11-26t06:53:20Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20z'],
  ['time.parse_rfc3339_ns', '2025-11-26T06:53:20'],
  ['time.parse_rfc3339_ns', '2025-02-29T00:00:00Z'],
  ['time.parse_rfc3339_ns', '2024-02-29T00:00:00Z'],
  ['time.parse_rfc3339_ns', '2025-13-01T00:00:00Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T24:00:00Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T23:60:00Z'],
  ['time.parse_rfc3339_ns', '2025-11-26T23:59:60Z'],
  ['time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224192Z'],
  ['time.parse_rfc3339_ns', '1677-09-21T00:12:43.145224191Z'],
  ['time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775807Z'],
  ['time.parse_rfc3339_ns', '2262-04-11T23:47:16.854775808Z'],
  ['time.parse_rfc3339_ns', '0000-01-01T00:00:00Z'],
  ['time.parse_rfc3339_ns', '1969-12-31T23:59:59.5Z'],
  ['time.parse_rfc3339_ns', ' 2025-11-26T06:53:20Z'],
  ['time.parse_rfc3339_ns', ''],
  ['time.parse_rfc3339_ns', 5],
  ['time.parse_ns', '2006-01-02', '2025-11-26'],
  ['time.parse_ns', 'RFC822Z', '26 Nov 25 06:53 +0100'],
  ['time.parse_ns', 'RFC1123', 'Wed, 26 Nov 2025 06:53:20 UTC'],
  ['time.parse_ns', 'RFC1123', 'Wed, 26 Nov 2025 06:53:20 MST'],
  ['time.parse_ns', 'RFC1123', 'Wed, 26 Nov 2025 06:53:20 GMT+3'],
  ['time.parse_ns', 'Mon Jan _2 15:04:05 2006', 'Wed Nov  6 06:53:20 2025'],
  ['time.parse_ns', '3:04PM', '6:53AM'],
  ['time.parse_ns', '3:04pm', '12:00am'],
  ['time.parse_ns', '3:04PM', '13:00PM'],
  ['time.parse_ns', '2006 002', '2024 060'],
  ['time.parse_ns', '2006 __2', '2025  60'],
  ['time.parse_ns', '2006-01-02 002', '2024-03-01 061'],
  ['time.parse_ns', '2006-01-02 002', '2024-03-02 061'],
  ['time.parse_ns', 'January 2, 2006', 'november 26, 2025'],
  ['time.parse_ns', 'Monday 2006-01-02', 'Friday 2025-11-26'],
  ['time.parse_ns', 'Monday 2006-01-02', 'Fryday 2025-11-26'],
  ['time.parse_ns', '06-01-02', '69-01-02'],
  ['time.parse_ns', '06-01-02', '68-01-02'],
  ['time.parse_ns', '2006-01-02 15:04:05.000', '2025-11-26 06:53:20.123'],
  ['time.parse_ns', '2006-01-02 15:04:05.000', '2025-11-26 06:53:20.12'],
  ['time.parse_ns', '2006-01-02 15:04:05.999', '2025-11-26 06:53:20'],
  ['time.parse_ns', '2006-01-02 15:04:05', '2025-11-26 06:53:20.987654321'],
  ['time.parse_ns', '2006-01-02 15:04:05 -07', '2025-11-26 06:53:20 +05'],
  ['time.parse_ns', '2006-01-02 15:04:05 -070000', '2025-11-26 06:53:20 +053015'],
  ['time.parse_ns', '2006-01-02 15:04:05 Z07:00:00', '2025-11-26 06:53:20 -05:30:15'],
  ['time.parse_ns', '2006-01-02  15', '2025-11-26     06'],
  ['time.parse_ns', '2006-01-02', '2025-11-26 extra'],
  ['time.parse_ns', '2006-01-02', '2025-02-30'],
  ['time.parse_duration_ns', '1h'],
  ['time.parse_duration_ns', '-1.5h'],
  ['time.parse_duration_ns', '2h45m30.5s'],
  ['time.parse_duration_ns', '300ms'],
  ['time.parse_duration_ns', '1us'],
  ['time.parse_duration_ns', '1µs'],
  ['time.parse_duration_ns', '1μs'],
  ['time.parse_duration_ns', '.5s'],
  ['time.parse_duration_ns', '5.s'],
  ['time.parse_duration_ns', '.s'],
  ['time.parse_duration_ns', '0'],
  ['time.parse_duration_ns', '+0'],
  ['time.parse_duration_ns', ''],
  ['time.parse_duration_ns', '1'],
  ['time.parse_duration_ns', '1d'],
  ['time.parse_duration_ns', '2562047h'],
  ['time.parse_duration_ns', '2562048h'],
  ['time.parse_duration_ns', '9223372036854775807ns'],
  ['time.parse_duration_ns', '9223372036854775808ns'],
  ['time.parse_duration_ns', '-9223372036854775808ns'],
  ['time.parse_duration_ns', '1.0000000000000000000001h'],
  ['time.parse_duration_ns', '0.333333333333333333h'],
  ['time.parse_duration_ns', '1d1μs'],
  ['time.parse_duration_ns', '1μs1d'],
  ['time.parse_duration_ns', '0.1d'],
  ['time.parse_duration_ns', '0.3333333333d'],
  ['time.parse_duration_ns', '1.0000000001y'],
  ['time.parse_duration_ns', '0.333333333333333333d'],
  ['time.parse_duration_ns', '+1d'],
  ['time.parse_duration_ns', '-0d'],
  ['time.parse_duration_ns', '1d1h30m'],
  ['time.parse_duration_ns', '1h1.5d'],
  ['time.parse_duration_ns', '1d.5h'],
  ['time.parse_duration_ns', '1dd'],
  ['time.parse_duration_ns', '1d1x'],
  ['time.parse_duration_ns', '1.5w'],
  ['time.parse_duration_ns', '2562047h1d'],
  ['time.parse_duration_ns', '9223372036854775807ns1d'],
  ['time.parse_duration_ns', '00001d'],
  ['time.parse_duration_ns', '1d0'],
  ['time.parse_duration_ns', '5.d'],
  ['time.parse_duration_ns', '1d5'],
  ['time.parse_duration_ns', '0d'],
  ['time.parse_duration_ns', '99999999999999999999d'],
  ['time.parse_duration_ns', '.d'],
  ['time.parse_duration_ns', '1D'],
  ['time.parse_duration_ns', '1mo'],
  ['time.parse_duration_ns', '106751d'],
  ['time.parse_duration_ns', '106752d'],
  ['time.parse_duration_ns', '1..5d'],
  ['time.parse_duration_ns', '2.5.5d'],
];

const otherCases: Case[] = [
  ['strings.count', 'cheese', 'e'],
  ['strings.count', 'five', ''],
  ['strings.count', 'ééé', ''],
  ['strings.count', 'aaaa', 'aa'],
  ['strings.count', 1, 'a'],
  ['indexof_n', 'dogcatdogcat', 'dog'],
  ['indexof_n', 'aaaa', 'aa'],
  ['indexof_n', 'ééaé', 'é'],
  ['indexof_n', '😀x😀', 'x'],
  ['indexof_n', 'abc', ''],
  ['indexof_n', 'abc', 'z'],
  ['strings.any_prefix_match', 'foo/bar', 'foo'],
  ['strings.any_prefix_match', ['a/b', 'c/d'], ['x', 'c/']],
  ['strings.any_prefix_match', [], ['x']],
  ['strings.any_prefix_match', 'x', []],
  ['strings.any_prefix_match', 'x', ''],
  ['strings.any_prefix_match', 'x', [1]],
  ['strings.any_suffix_match', 'foo.example.com', ['.example.com', '.example.org']],
  ['strings.any_suffix_match', 'é', ''],
  ['strings.any_suffix_match', 'abc', 'x'],
  ['crypto.md5', 'mandate'],
  ['crypto.sha1', 'mandate'],
  ['crypto.sha256', 'mandate'],
  ['crypto.sha256', 'é😀'],
  ['crypto.hmac.md5', 'message', 'key'],
  ['crypto.hmac.sha1', 'message', 'key'],
  ['crypto.hmac.sha256', 'message', 'key'],
  ['crypto.hmac.sha512', 'message', 'é'],
  ['crypto.hmac.equal', 'abc', 'abc'],
  ['crypto.hmac.equal', 'abc', 'abd'],
  ['crypto.hmac.equal', 'abc', 'ab'],
  ['hex.encode', 'Mandate é'],
  ['hex.decode', '4d616e64617465'],
  ['hex.decode', '4D616E'],
  ['hex.decode', 'c3a9'],
  ['hex.decode', '4d6'],
  ['hex.decode', 'zz'],
  ['base64url.encode_no_pad', 'Mandate?é'],
  ['base64url.encode_no_pad', ''],
  ['urlquery.encode', 'a b&c=d/é~-_.!*'],
  ['urlquery.decode', 'a+b%26c%3Dd%2F%C3%A9'],
  ['urlquery.decode', '%zz'],
  ['urlquery.decode', '100%'],
  ['urlquery.decode', '%e9'],
  ['semver.is_valid', '1.2.3'],
  ['semver.is_valid', 'v1.2.3'],
  ['semver.is_valid', '1.2'],
  ['semver.is_valid', '1.2.3-rc.1+build.5'],
  ['semver.is_valid', '01.2.3'],
  ['semver.is_valid', '1.2.3-'],
  ['semver.is_valid', '1.2.3-a..b'],
  ['semver.is_valid', '+1.2.3'],
  ['semver.is_valid', 5],
  ['semver.is_valid', '1.2.3-01'],
  ['semver.is_valid', 'V1.2.3'],
  ['semver.is_valid', '1.2.3-a.01'],
  ['semver.is_valid', '1.2.3+'],
  ['semver.is_valid', '1.2.3-a+'],
  ['semver.is_valid', '-1.2.3'],
  ['semver.is_valid', ' 1.2.3'],
  ['semver.is_valid', '1.2.03'],
  ['semver.is_valid', '1.2.3+01'],
  ['semver.is_valid', '99999999999999999999.0.0'],
  ['semver.is_valid', '9223372036854775807.0.0'],
  ['semver.is_valid', '0.0.0'],
  ['semver.is_valid', '1.2.3-0a'],
  ['semver.is_valid', '1.2.3---'],
  ['semver.is_valid', '1.2.3+a+b'],
  ['semver.is_valid', '1.2.3-a_b'],
  ['semver.is_valid', 'vv1.2.3'],
  ['semver.compare', '1.0.0-a.01', '1.0.0-a.1'],
  ['semver.compare', '1.0.0-alpha', 'v1.0.0-alpha'],
  ['semver.compare', '1.0.0-alpha', '1.0.0-alpha.0'],
  ['semver.compare', '1.0.0-0', '1.0.0-a'],
  ['semver.compare', '1.0.0-Z', '1.0.0-a'],
  ['semver.compare', '1.2.3', '1.2.4'],
  ['semver.compare', '1.2.3', '1.2.3+meta'],
  ['semver.compare', '1.0.0-alpha', '1.0.0'],
  ['semver.compare', '1.0.0-alpha.1', '1.0.0-alpha'],
  ['semver.compare', '1.0.0-alpha.1', '1.0.0-alpha.beta'],
  ['semver.compare', '1.0.0-rc.10', '1.0.0-rc.9'],
  ['semver.compare', '1.0.0-x.7.z.92', '1.0.0-x.7.z.92'],
  ['semver.compare', '2.0.0', '10.0.0'],
  ['semver.compare', 'nope', '1.0.0'],
  ['numbers.range_step', 0, 10, 3],
  ['numbers.range_step', 10, 0, 3],
  ['numbers.range_step', 5, 5, 1],
  ['numbers.range_step', 0, 10, 0],
  ['numbers.range_step', 0, 10, -1],
  ['numbers.range_step', 0, 1.5, 1],
  ['trace', 'note'],
];

let opaResults: Record<string, unknown>;
let wasmResults: Record<string, unknown>;
const cases = [...timeCases, ...otherCases];

beforeAll(async () => {
  const dir = tempDir('mandate-parity-');
  const src = join(dir, 'src');
  mkdirSync(join(src, 'parity'), { recursive: true });
  const rules = cases.map(([name, ...args], i) => {
    const params = args.map((_, j) => `input.c${i}[${j}]`).join(', ');
    // The low 12 digits show a nanosecond result exactly, beyond what a double holds.
    const exact = /_ns$|add_date/.test(name)
      ? `\nout["${i}x"] := x % 1000000000000 if { x := ${name}(${params}) }`
      : '';
    return `out["${i}"] := x if { x := ${name}(${params}) }${exact}`;
  });
  writeFileSync(join(src, 'parity/parity.rego'), `package parity\n\n${rules.join('\n')}\n`);
  const input = JSON.stringify(Object.fromEntries(cases.map(([, ...args], i) => [`c${i}`, args])));
  writeFileSync(join(dir, 'input.json'), input);
  const opa = opaBin();
  // OPA's local zone is UTC here, as Mandate's parse of zone abbreviations assumes.
  const env = { ...process.env, TZ: 'UTC' };
  const out = execFileSync(
    opa,
    ['eval', '--format', 'json', '-d', join(src, 'parity'), '-i', join(dir, 'input.json'), 'data.parity.out'],
    { env, maxBuffer: 64 << 20 },
  );
  opaResults = (
    JSON.parse(out.toString()) as { result: { expressions: { value: Record<string, unknown> }[] }[] }
  ).result[0]!.expressions[0]!.value;
  const bundle = join(dir, 'parity.tar.gz');
  execFileSync(opa, ['build', '-b', '-t', 'wasm', '-e', 'parity/out', '-o', bundle, '.'], { cwd: src, env });
  const evaluator = await createEvaluator(await parseBundle(readFileSync(bundle)), 'parity/out');
  wasmResults = evaluator.evaluate(JSON.parse(input) as object) as Record<string, unknown>;
}, 120_000);

describe('host builtins give what OPA gives', () => {
  it.each(cases.map((c, i) => [i, c[0], JSON.stringify(c.slice(1))] as const))('case %i: %s(%s)', (i) => {
    expect({ value: wasmResults[String(i)], exact: wasmResults[`${i}x`] }).toEqual({
      value: opaResults[String(i)],
      exact: opaResults[`${i}x`],
    });
  });

  it('covers every builtin Mandate adds but time.now_ns (from input.now, tested on its own)', async () => {
    const { mandateBuiltins } = await import('../../../src/policy/builtins/index.js');
    const names = Object.keys(mandateBuiltins({ now: undefined })).filter((n) => n !== 'time.now_ns');
    expect(names.filter((n) => !cases.some(([c]) => c === n))).toEqual([]);
  });
});
