/**
 * Generates test/fixtures/ocsf/ocsf-<version>.schema.json, a JSON Schema (draft-07) of the OCSF
 * event classes Mandate renders (src/audit/ocsf*.ts), from a checkout of github.com/ocsf/ocsf-schema:
 * its dictionary.json, categories.json, events/, objects/, includes/ and profiles/, compiled as the
 * OCSF server compiles them (see test/fixtures/ocsf/README.md for the rules and their limits).
 *
 * Usage: npx tsx scripts/ocsf-json-schema.ts <ocsf-schema checkout> [out.json]
 * then `npx prettier --write` the output.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The classes Mandate renders, by their OCSF file under events/. */
const CLASSES = ['iam/authentication', 'iam/authorize_session', 'application/api'];

type Json = Record<string, unknown>;
interface Attr extends Json {
  requirement?: string;
  type?: string;
  is_array?: boolean;
  enum?: Record<string, { caption: string }>;
  sibling?: string;
  profile?: string | null;
}
interface Compiled {
  attributes: Record<string, Attr>;
  constraints?: { at_least_one?: string[]; just_one?: string[] };
}

const root = process.argv[2];
if (root === undefined) throw new Error('usage: ocsf-json-schema.ts <ocsf-schema checkout> [out.json]');
const read = (path: string): Json => JSON.parse(readFileSync(join(root, path), 'utf8')) as Json;
const version = (read('version.json') as { version: string }).version;
const dictionary = read('dictionary.json') as {
  attributes: Record<string, Attr>;
  types: { attributes: Record<string, Json> };
};
const categories = read('categories.json') as {
  attributes: Record<string, { uid: number; caption: string }>;
};

function walk(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith('.json') ? [join(dir, d.name)] : [],
  );
}
const eventFiles = new Map(walk('events').map((f) => [(read(f) as { name: string }).name, f]));

/** Deep merge: `over` wins, `null` included (a class's `profile: null` unsets a profile). */
function merge<T extends Json>(under: T | undefined, over: Json): T {
  const out: Json = { ...under };
  for (const [k, v] of Object.entries(over)) {
    const u = out[k];
    out[k] =
      v !== null && typeof v === 'object' && !Array.isArray(v) && u !== null && typeof u === 'object'
        ? merge(u as Json, v as Json)
        : v;
  }
  return out as T;
}

/**
 * A file's attributes over `under`: its `$include`s first (a profile's attributes stamped with
 * the profile's name unless something other than a profile defines them), then its own attributes,
 * which are the class's or object's own whatever a profile says (their `profile` is theirs, or none).
 */
function attributesOf(file: Json, under: Record<string, Attr>): Record<string, Attr> {
  const out = { ...under };
  const own = { ...(file.attributes as Record<string, Attr>) };
  const includes = (own.$include as unknown as string[] | undefined) ?? [];
  delete own.$include;
  for (const path of includes) {
    const inc = read(path) as { meta?: string; name?: string; attributes: Record<string, Attr> };
    for (const [name, a] of Object.entries(inc.attributes)) {
      const profiled = inc.meta === 'profile' && (out[name] === undefined || out[name].profile != null);
      out[name] = merge(out[name], { ...a, profile: profiled ? inc.name! : (out[name]?.profile ?? null) });
    }
  }
  for (const [name, a] of Object.entries(own)) out[name] = merge(out[name], { profile: null, ...a });
  return out;
}

function compileEvent(name: string): Compiled & { file: Json } {
  const file = read(eventFiles.get(name)!);
  const parent = typeof file.extends === 'string' ? compileEvent(file.extends) : undefined;
  const constraints = (file.constraints as Compiled['constraints']) ?? parent?.constraints;
  return {
    file,
    attributes: attributesOf(file, parent?.attributes ?? {}),
    ...(constraints ? { constraints } : {}),
  };
}

const objectCache = new Map<string, Compiled>();
function compileObject(name: string): Compiled {
  const cached = objectCache.get(name);
  if (cached) return cached;
  const file = read(`objects/${name}.json`);
  const parent = typeof file.extends === 'string' ? compileObject(file.extends) : undefined;
  const constraints = (file.constraints as Compiled['constraints']) ?? parent?.constraints;
  const compiled = {
    attributes: attributesOf(file, parent?.attributes ?? {}),
    ...(constraints ? { constraints } : {}),
  };
  objectCache.set(name, compiled);
  return compiled;
}

const BASE_TYPES: Record<string, Json> = {
  boolean_t: { type: 'boolean' },
  integer_t: { type: 'integer' },
  long_t: { type: 'integer' },
  float_t: { type: 'number' },
  string_t: { type: 'string' },
  json_t: {},
};

/** A scalar type (`*_t`) with what its chain of types says: pattern, length, range. */
function scalar(type: string): Json {
  if (BASE_TYPES[type]) return { ...BASE_TYPES[type] };
  const t = dictionary.types.attributes[type];
  if (t === undefined) throw new Error(`unknown type ${type}`);
  const out = scalar(t.type as string);
  if (typeof t.regex === 'string') {
    try {
      new RegExp(t.regex);
      out.pattern = t.regex;
    } catch {
      // A pattern JavaScript cannot compile is left out (README: limits).
    }
  }
  if (typeof t.max_len === 'number') out.maxLength = t.max_len;
  if (Array.isArray(t.range)) [out.minimum, out.maximum] = t.range as number[];
  return out;
}

const usedObjects = new Set<string>();

function attributeSchema(name: string, local: Attr): Json {
  const a = merge(dictionary.attributes[name] ?? {}, local) as Attr;
  if (a.type === undefined) throw new Error(`attribute ${name} has no type`);
  let item: Json;
  if (a.type.endsWith('_t')) item = scalar(a.type);
  else if (a.type === 'object') item = { type: 'object' };
  else {
    usedObjects.add(a.type);
    item = { $ref: `#/definitions/${a.type}` };
  }
  if (a.enum) {
    const keys = Object.keys(a.enum);
    item.enum = item.type === 'integer' ? keys.map(Number) : keys;
  }
  return a.is_array ? { type: 'array', items: item } : item;
}

/** "If the id is this value, its sibling is its caption" for every value but 99 (Other). */
function siblingRules(attributes: Record<string, Attr>): Json[] {
  const rules: Json[] = [];
  for (const [name, local] of Object.entries(attributes)) {
    const a = merge(dictionary.attributes[name] ?? {}, local) as Attr;
    if (!a.enum || !a.sibling || !attributes[a.sibling]) continue;
    for (const [value, { caption }] of Object.entries(a.enum)) {
      if (value === '99') continue;
      rules.push({
        if: { properties: { [name]: { const: Number(value) } }, required: [name] },
        then: { properties: { [a.sibling]: { const: caption } } },
      });
    }
  }
  return rules;
}

function constraintRules(c: Compiled['constraints']): Json[] {
  const rules: Json[] = [];
  if (c?.at_least_one) rules.push({ anyOf: c.at_least_one.map((n) => ({ required: [n] })) });
  if (c?.just_one) rules.push({ oneOf: c.just_one.map((n) => ({ required: [n] })) });
  return rules;
}

function objectSchema(c: Compiled, title: string, extra: Json[] = [], gated = new Set<string>()): Json {
  const properties = Object.fromEntries(
    Object.entries(c.attributes).map(([n, a]) => [n, attributeSchema(n, a)]),
  );
  const required = Object.entries(c.attributes)
    .filter(([n, a]) => a.requirement === 'required' && !gated.has(n))
    .map(([n]) => n);
  const allOf = [...constraintRules(c.constraints), ...siblingRules(c.attributes), ...extra];
  return {
    title,
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
    ...(allOf.length ? { allOf } : {}),
  };
}

const profileIn = (p: string): Json => ({
  properties: { metadata: { required: ['profiles'], properties: { profiles: { contains: { const: p } } } } },
  required: ['metadata'],
});

function classSchema(path: string): [string, Json] {
  const name = (read(`events/${path}.json`) as { name: string }).name;
  const c = compileEvent(name);
  const category = categories.attributes[categoryOf(name)]!;
  const classUid = category.uid * 1000 + (c.file.uid as number);
  const activities = c.attributes.activity_id!.enum!;
  // class_uid, category_uid and type_uid hold this class's values only, as the OCSF server's do.
  c.attributes.class_uid = {
    ...c.attributes.class_uid,
    enum: { [classUid]: { caption: c.file.caption as string } },
  };
  c.attributes.category_uid = {
    ...c.attributes.category_uid,
    enum: { [category.uid]: { caption: category.caption } },
  };
  c.attributes.type_uid = merge(c.attributes.type_uid, {
    enum: Object.fromEntries(
      Object.entries(activities).map(([k, v]) => [
        classUid * 100 + Number(k),
        { caption: `${c.file.caption}: ${v.caption}` },
      ]),
    ),
  });
  const typeRules = Object.keys(activities).map((k) => ({
    if: { properties: { activity_id: { const: Number(k) } }, required: ['activity_id'] },
    then: { properties: { type_uid: { const: classUid * 100 + Number(k) } } },
  }));
  const profiled = Object.entries(c.attributes).filter(([, a]) => typeof a.profile === 'string');
  const gated = new Set(profiled.map(([n]) => n));
  const profileRules = profiled.map(([n, a]) => ({ if: { required: [n] }, then: profileIn(a.profile!) }));
  for (const p of new Set(profiled.map(([, a]) => a.profile!))) {
    const req = profiled.filter(([, a]) => a.profile === p && a.requirement === 'required').map(([n]) => n);
    if (req.length) profileRules.push({ if: profileIn(p), then: { required: req } } as never);
  }
  return [
    `class_${classUid}`,
    objectSchema(c, `${c.file.caption} (${classUid})`, [...typeRules, ...profileRules], gated),
  ];
}

/** A class's category: its own or the nearest of the events it extends. */
function categoryOf(name: string): string {
  let file = read(eventFiles.get(name)!);
  while (file.category === undefined && typeof file.extends === 'string')
    file = read(eventFiles.get(file.extends)!);
  return file.category as string;
}

const definitions: Record<string, Json> = Object.fromEntries(CLASSES.map(classSchema));
for (let done = 0; done < usedObjects.size;) {
  const pending = [...usedObjects].filter((o) => !(o in definitions));
  done = usedObjects.size - pending.length;
  if (pending.length === 0) break;
  for (const o of pending) definitions[o] = objectSchema(compileObject(o), o);
}

const out = process.argv[3] ?? join('test', 'fixtures', 'ocsf', `ocsf-${version}.schema.json`);
const schema = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: `https://mandate.dev/test/ocsf-${version}.schema.json`,
  title: `OCSF ${version}: the event classes Mandate renders`,
  description: `Generated by scripts/ocsf-json-schema.ts from ocsf-schema ${version}; see README.md beside it.`,
  oneOf: Object.keys(definitions)
    .filter((k) => k.startsWith('class_'))
    .map((k) => ({ $ref: `#/definitions/${k}` })),
  definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
};
writeFileSync(out, JSON.stringify(schema, null, 2) + '\n');
process.stdout.write(`wrote ${out}: ${Object.keys(definitions).length} definitions\n`);
