/**
 * No two files mean different things under one name (issue #11 done-when: "no duplicate file or
 * type names that mean different things"). Within a namespace (the service's src/, and each
 * package's src/, which is published on its own) a basename names one concept. It may recur only
 * as that concept seen from a layer (config/rate-limits.ts reads the settings of the rate limits
 * that store/rate-limits.ts counts), or as a name every folder may have (index.ts). Anything else
 * is a file to rename after what it is: the test fails on it, naming the files.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** Names that say what they are only with their folder, so each folder may have one. */
const PER_FOLDER = new Set([
  'index.ts', // the folder's entry: its re-exports, or its comment saying what lives in it
  'errors.ts', // the errors of the folder's own layer (the core's OAuth refusals, the database's outages)
  'cli.ts', // the component's `mandate <component>` command, beside what it operates (src/cli.ts)
]);

/**
 * Folders whose files are named after the concept they serve elsewhere in the namespace, and so
 * may share its name: a top-level folder of src/, or `cli/` at any depth.
 */
const TOP_LAYERS = new Set([
  'config', // config/X reads X's settings from the environment or the configuration file
  'wiring', // wiring/X builds X from configuration (the composition root)
  'store', // store/X persists X in Postgres (or PGlite)
  'http', // http/X is X's fastify side: a hook, or http/routes/X serving X
]);
const NESTED_LAYER = 'cli'; // <component>/cli/X is the `mandate <component> X` command for <component>/X

/** The layer a file (relative to its namespace) is in, or undefined when it is the concept itself. */
function layerOf(path: string): string | undefined {
  const folders = path.split('/').slice(0, -1);
  if (folders[0] !== undefined && TOP_LAYERS.has(folders[0])) return folders[0];
  return folders.includes(NESTED_LAYER) ? NESTED_LAYER : undefined;
}

/**
 * Why files sharing one basename are refused, or undefined when they are one concept: the
 * concept itself at most once, and each other file in a layer of its own.
 */
function refusal(paths: string[]): string | undefined {
  const base = paths[0]!.slice(paths[0]!.lastIndexOf('/') + 1);
  if (paths.length < 2 || PER_FOLDER.has(base)) return undefined;
  const layers = paths.map(layerOf);
  const concepts = layers.filter((layer) => layer === undefined).length;
  if (concepts > 1) return 'outside a layer folder more than once: different things under one name';
  if (new Set(layers).size < layers.length) return 'twice in one layer';
  return undefined;
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : [path];
  });
}

/** Each namespace's files, relative to it, grouped by basename. */
function byBasename(namespace: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const path of files(join(root, namespace))) {
    const rel = relative(join(root, namespace), path);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    groups.set(base, [...(groups.get(base) ?? []), rel].sort());
  }
  return groups;
}

const namespaces = [
  'src',
  ...readdirSync(join(root, 'packages'))
    .map((pkg) => `packages/${pkg}/src`)
    .filter((dir) => existsSync(join(root, dir))),
];

describe('file names', () => {
  it.each([
    [['oauth/grants/jwt-bearer.ts', 'oauth/connectors/jwt-bearer.ts'], 'more than once'],
    [['policy/replay/replay.ts', 'policy/cli/replay.ts'], undefined],
    [['audit/build.ts', 'policy/build.ts'], 'more than once'],
    [['config/rate-limits.ts', 'store/rate-limits.ts', 'wiring/rate-limits.ts'], undefined],
    [['http/rate-limit.ts', 'http/routes/rate-limit.ts'], 'twice in one layer'],
    [['policy/check.ts', 'policy/cli/check.ts'], undefined],
    [['oauth/errors.ts', 'store/errors.ts', 'audit/errors.ts'], undefined],
    [['cli.ts', 'keys/cli.ts', 'audit/cli.ts'], undefined],
  ])('%j: %s', (paths, refused) => {
    const why = refusal(paths);
    if (refused === undefined) expect(why).toBeUndefined();
    else expect(why).toContain(refused);
  });

  it('reads the service and every package, and each layer folder exists', () => {
    expect(namespaces).toContain('src');
    expect(namespaces).toContain('packages/mcp-kit/src');
    for (const layer of TOP_LAYERS) expect(existsSync(join(root, 'src', layer)), layer).toBe(true);
  });

  it.each(namespaces)('%s: one concept per basename', (namespace) => {
    const refused = [...byBasename(namespace).values()].flatMap((paths) => {
      const why = refusal(paths);
      return why === undefined ? [] : [`${paths.join(', ')}: ${why}`];
    });
    expect(refused, 'rename the file after what it is (see the rules above)').toEqual([]);
  });
});
