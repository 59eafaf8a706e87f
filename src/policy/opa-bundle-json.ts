/**
 * The byte stream OPA hashes for a structured bundle file (`data.json`, `.manifest`) when it signs
 * or verifies a bundle: objects with keys in byte order, no whitespace, each primitive encoded by
 * Go's encoding/json with HTML escaping off, and numbers as they appear in the source text (OPA
 * decodes with json.Number). Source: open-policy-agent/opa v1/bundle/hash.go (`walk`) and
 * verify.go (`VerifyBundleFile`), v1.22.3.
 */

const MAX_DEPTH = 1000;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// Control characters must be escaped inside JSON strings (RFC 8259 §7), hence the range.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/y;
const WS = /[ \t\n\r]*/y;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Go's encoding of a string: JSON.stringify plus Go's differences (U+2028/2029 escaped, lone surrogates → U+FFFD). */
export function goJsonString(s: string): string {
  return JSON.stringify(s.replace(LONE_SURROGATE, '\ufffd'))
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Go sorts map keys by their UTF-8 bytes, which is code point order (not UTF-16 unit order). */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(what: string): never {
    throw new Error(`invalid JSON at offset ${this.pos}: ${what}`);
  }

  ws(): void {
    WS.lastIndex = this.pos;
    WS.exec(this.text);
    this.pos = WS.lastIndex;
  }

  match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (m === null) return undefined;
    this.pos = re.lastIndex;
    return m[0];
  }

  value(depth: number): string {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    this.ws();
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return goJsonString(this.string());
    for (const lit of ['true', 'false', 'null']) {
      if (this.text.startsWith(lit, this.pos)) {
        this.pos += lit.length;
        return lit;
      }
    }
    const n = this.match(NUMBER);
    if (n !== undefined) return n;
    return this.fail('unexpected character');
  }

  string(): string {
    const raw = this.match(STRING);
    if (raw === undefined) this.fail('bad string');
    return JSON.parse(raw) as string;
  }

  object(depth: number): string {
    this.pos++;
    const members = new Map<string, string>();
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return '{}';
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('expected a key');
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      // Go decodes into a map: a repeated key keeps its last value.
      members.set(key.replace(LONE_SURROGATE, '\ufffd'), this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos++];
      if (c === '}') break;
      if (c !== ',') this.fail("expected ',' or '}'");
    }
    const keys = [...members.keys()].sort(compareKeys);
    return '{' + keys.map((k) => goJsonString(k) + ':' + (members.get(k) as string)).join(',') + '}';
  }

  array(depth: number): string {
    this.pos++;
    const items: string[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return '[]';
    }
    for (;;) {
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos++];
      if (c === ']') break;
      if (c !== ',') this.fail("expected ',' or ']'");
    }
    return '[' + items.join(',') + ']';
  }
}

/** The canonical form OPA hashes for a JSON file's bytes (UTF-8, BOM stripped). */
export function canonicalJson(bytes: Uint8Array): string {
  let text = new TextDecoder('utf-8').decode(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const p = new Parser(text);
  const out = p.value(0);
  p.ws();
  if (p.pos !== text.length) p.fail('trailing data after the top-level value');
  return out;
}
