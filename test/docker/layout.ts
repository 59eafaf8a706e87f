/**
 * The last stage of the Dockerfile, reproduced in a folder without an engine: its WORKDIR, ENV,
 * COPY, RUN, USER, HEALTHCHECK and CMD read from the file and carried out under a root folder that
 * stands for the image's `/`. Two steps are stood in for, and only these: `COPY --from=build
 * /app/dist` is the same `tsc` build into the layout, and `npm ci --omit=dev` is a link to the
 * repository's node_modules, with a check that every package dist/ imports is a production
 * dependency (so a package the image would lack is still found). Any other instruction or command
 * fails the test until this file is taught what it does.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  cpSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { repoRoot } from '../helpers/exchange.js';

/** uid/gid of the `node` user in the official node images. */
export const NODE_USER = { uid: 1000, gid: 1000 };

export interface ImageLayout {
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | undefined;
  cmd: string[];
  healthcheck: string[] | undefined;
  volumes: string[];
  /** Checks that need the whole layout (run once it is built). */
  checks: (() => void)[];
}

/** Instructions of the last stage, continuation lines joined, comments dropped. */
export function lastStage(dockerfile: string): { op: string; args: string }[] {
  const joined = dockerfile.replace(/\\\n/g, ' ');
  const lines = joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const from = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
  return lines.slice(from + 1).map((l) => {
    const m = /^(\S+)\s+(.*)$/.exec(l)!;
    return { op: m[1]!.toUpperCase(), args: m[2]! };
  });
}

/** `.dockerignore` patterns, as plain paths and `*.x` suffixes (what this repository uses). */
function ignored(path: string): string | undefined {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const parts = path.split('/');
  return patterns.find((p) =>
    p.startsWith('*')
      ? parts.some((s) => s.endsWith(p.slice(1)))
      : parts.some((_, i) => parts.slice(0, i + 1).join('/') === p),
  );
}

function parseEnv(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("([^"]*)"|\S+)/g)) out[m[1]!] = m[3] ?? m[2]!;
  return out;
}

/** Bare package names that files under `dir` import. */
function importedPackages(dir: string): Set<string> {
  const out = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.js')) continue;
    const text = readFileSync(join(dir, entry), 'utf8');
    const specs = [
      ...text.matchAll(/^(?:import|export)\s[\w\s{},*$]*from\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/^import\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ];
    for (const m of specs) {
      const spec = m[1]!;
      if (spec.startsWith('node:') || spec.startsWith('.')) continue;
      out.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return out;
}

export function buildLayout(root: string): ImageLayout {
  const layout: ImageLayout = {
    root,
    workdir: '/',
    env: {},
    user: undefined,
    cmd: [],
    healthcheck: undefined,
    volumes: [],
    checks: [],
  };
  const inImage = (p: string) => join(root, p.startsWith('/') ? p : join(layout.workdir, p));
  const mapEnv = (v: string) => (v.startsWith('/') ? join(root, v) : v);
  for (const { op, args } of lastStage(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'))) {
    switch (op) {
      case 'WORKDIR':
        layout.workdir = args;
        mkdirSync(inImage(args), { recursive: true });
        break;
      case 'ENV':
        Object.assign(layout.env, parseEnv(args));
        break;
      case 'COPY': {
        const words = args.split(/\s+/);
        const from = words.find((w) => w.startsWith('--from='));
        const paths = words.filter((w) => !w.startsWith('--'));
        const dest = paths.pop()!;
        if (from !== undefined) {
          // The MCP server kit, an npm workspace the server imports, built as `npm run build` does.
          const kit = paths.join(' ') === '/app/packages/mcp-kit/dist';
          if (from !== '--from=build' || !(kit || paths.join(' ') === '/app/dist'))
            throw new Error(`layout: unknown COPY ${args}`);
          execFileSync(
            process.execPath,
            [
              join(repoRoot, 'node_modules/typescript/bin/tsc'),
              '-p',
              kit ? 'packages/mcp-kit/tsconfig.json' : 'tsconfig.build.json',
              '--noCheck',
              '--outDir',
              inImage(dest),
            ],
            {
              cwd: repoRoot,
              stdio: 'inherit',
            },
          );
          break;
        }
        for (const src of paths) {
          const why = ignored(src);
          if (why !== undefined) throw new Error(`layout: COPY ${src} is excluded by .dockerignore (${why})`);
          const target = dest.endsWith('/') ? join(inImage(dest), src.split('/').pop()!) : inImage(dest);
          mkdirSync(dirname(target), { recursive: true });
          cpSync(join(repoRoot, src), target, { recursive: true });
        }
        break;
      }
      case 'RUN':
        for (const command of args.split('&&').map((c) => c.trim())) runStep(command, inImage, layout);
        break;
      case 'VOLUME':
        layout.volumes.push(...args.split(/\s+/));
        break;
      case 'USER':
        layout.user = args;
        break;
      case 'EXPOSE':
        break;
      case 'HEALTHCHECK': {
        const m = /CMD\s+(\[.*\])\s*$/.exec(args);
        if (!m) throw new Error(`layout: HEALTHCHECK needs an exec-form CMD: ${args}`);
        layout.healthcheck = JSON.parse(m[1]!) as string[];
        break;
      }
      case 'CMD':
        layout.cmd = JSON.parse(args) as string[];
        break;
      default:
        throw new Error(`layout: test/docker/layout.ts does not know ${op} (${args})`);
    }
  }
  for (const check of layout.checks) check();
  for (const [k, v] of Object.entries(layout.env)) layout.env[k] = mapEnv(v);
  // What the image's root-owned files look like to the node user: readable, not writable.
  chmodSync(root, 0o755);
  return layout;
}

function runStep(command: string, inImage: (p: string) => string, layout: ImageLayout): void {
  const words = command.split(/\s+/);
  if (command.startsWith('npm ci --omit=dev')) {
    const pkg = JSON.parse(readFileSync(inImage('package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      optionalDependencies?: Record<string, string>;
    };
    // npm ci links the image's own workspace packages (the kit) and installs the rest.
    const workspaces = new Set(['@mandate']);
    mkdirSync(inImage('node_modules'));
    for (const entry of readdirSync(join(repoRoot, 'node_modules')))
      if (!workspaces.has(entry))
        symlinkSync(join(repoRoot, 'node_modules', entry), inImage(`node_modules/${entry}`));
    mkdirSync(inImage('node_modules/@mandate'));
    symlinkSync(inImage('packages/mcp-kit'), inImage('node_modules/@mandate/mcp-kit'));
    layout.checks.push(() => {
      for (const name of importedPackages(inImage('dist')))
        // `npm ci --omit=dev` installs optional dependencies too (the OTLP exporter, loaded only
        // when OTEL_EXPORTER_OTLP_ENDPOINT is set).
        if (!(name in pkg.dependencies) && !(name in (pkg.optionalDependencies ?? {})))
          throw new Error(`layout: dist/ imports ${name}, not a production dependency`);
    });
  } else if (command === 'npm cache clean --force') {
    // nothing to reproduce
  } else if (words[0] === 'mkdir' && words[1] === '-p') {
    for (const p of words.slice(2)) mkdirSync(inImage(p), { recursive: true });
  } else if (words[0] === 'chown' && words[1] === 'node:node') {
    for (const p of words.slice(2)) chownSync(inImage(p), NODE_USER.uid, NODE_USER.gid);
  } else throw new Error(`layout: test/docker/layout.ts does not know RUN ${command}`);
}

/** Files under `dir` and their owners (for checks on what the service wrote). */
export function owners(dir: string): { path: string; uid: number }[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((p) => ({
    path: relative(dir, join(dir, p)),
    uid: statSync(join(dir, p)).uid,
  }));
}
