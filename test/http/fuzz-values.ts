/**
 * Hostile values for the HTTP fuzz (issue 10 §2, §6): strings no Postgres text holds (U+0000, lone
 * surrogates), text that changes under normalization or bidi, values far beyond any sane length,
 * percent-encodings that are broken or decode to bytes that are not UTF-8, and JSON texts that do
 * not survive a naive round trip (-0, 1e400, integers beyond 2^53, duplicate members, `__proto__`,
 * deep nesting).
 */
import fc from 'fast-check';

export const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\r\n',
  '"',
  "'",
  '\\',
  '<script>',
  '\u202e',
  '\ufeff',
  '\u2028',
  'e\u0301',
  '\u00e9',
  '\uffff',
  '__proto__',
  'constructor',
  'toString',
  '[object Object]',
  '-0',
  '1e400',
  'NaN',
  'null',
  '%',
  '%00',
  '../../etc/passwd',
  'https://127.0.0.1:1/x',
  'urn:ietf:params:oauth:token-type:access_token',
  'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.',
  'a'.repeat(300),
  'b'.repeat(5_000),
  'c'.repeat(70_000),
];

/** Any text, mostly short, sometimes hostile on purpose. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 16 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 8 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('\u0000', '\ud800', '\u202e', 'é'), fc.integer({ min: 1, max: 3000 }))
      .map(([c, n]) => c.repeat(n)),
  },
);

/**
 * Percent-encoded fragments written into a form body or query as they are: broken escapes, an
 * overlong NUL, the CESU bytes of a lone surrogate, bytes that are not UTF-8, separators.
 */
export const RAW_FRAGMENTS = [
  '%',
  '%zz',
  '%0',
  '%00',
  '%C0%80',
  '%ED%A0%80',
  '%FF%FE',
  '%E2%80%AE',
  '%EF%BB%BF',
  '%0D%0A',
  '+',
  '&',
  '=',
  '==',
  '&&=&',
  ';',
];

/** Percent-encodes the UTF-8 bytes of `s` (a lone surrogate becomes U+FFFD, as any UTF-8 encoder does). */
export function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** JSON texts that parse, whose values a boundary must hold or refuse. */
export const HOSTILE_JSON = [
  'null',
  'true',
  'false',
  '0',
  '-0',
  '-1',
  '1.5',
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '9007199254740993',
  '4102444800000',
  '1e15',
  '""',
  '"\\u0000"',
  '"a\\u0000b"',
  '"\\ud800"',
  '"x\\udfffy"',
  '"\\u202e"',
  '"e\\u0301"',
  '"\\u00e9"',
  '"__proto__"',
  '[]',
  '{}',
  '[null]',
  '["a",1,{}]',
  '{"__proto__":{"admin":true}}',
  '{"constructor":{"prototype":{"x":1}}}',
  '{"a":1,"a":2}',
  '{"sub":"x","sub":"y"}',
  '{"\\u0000":1}',
  '{"\\ud800":"\\udc00"}',
  '[' + '['.repeat(200) + ']'.repeat(200) + ']',
  '{"a":'.repeat(100) + '1' + '}'.repeat(100),
  JSON.stringify('x'.repeat(20_000)),
  JSON.stringify(Array.from({ length: 2_000 }, (_, i) => `s${i}`)),
];

const jsonString = hostileString.map((s) => JSON.stringify(s));

/** A JSON text: hostile constants, random values, or containers of them (duplicate members included). */
export const hostileJsonText: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...HOSTILE_JSON),
    jsonString,
    fc.double().map((d) => (Number.isFinite(d) ? JSON.stringify(d) : '1e400')),
    fc.integer().map(String),
    fc.array(tie('v'), { maxLength: 3 }).map((xs) => `[${xs.join(',')}]`),
    fc
      .array(fc.tuple(fc.oneof(jsonString, fc.constantFrom('"__proto__"', '"a"')), tie('v')), {
        maxLength: 3,
      })
      .map((ms) => `{${ms.map(([k, v]) => `${k}:${v}`).join(',')}}`),
  ),
})).v;
