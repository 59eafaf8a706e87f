/**
 * Which host builtins a compiled policy needs, and where its Rego calls them. OPA compiles most
 * builtins into the WebAssembly module; the rest it imports from the host by name (the module's
 * `builtins` export lists them). A module that imports a builtin neither opa-wasm nor Mandate
 * provides would fail every decision that reaches the call ("not implemented: built-in function
 * 23: time.clock"), so such a bundle is refused when it is loaded, naming the builtin and the rule.
 */
import { providedBuiltinNames, refusalReason } from './builtins/index.js';

/** The part of an instantiated opa-wasm module read here (OPA's documented ABI exports). */
interface ModuleExports {
  builtins(): number;
  opa_json_dump(addr: number): number;
}

/** The builtin names the module imports from the host (its `builtins` export). */
export function importedBuiltins(exports: unknown, memory: { buffer: ArrayBuffer }): string[] {
  const ex = exports as ModuleExports;
  const addr = ex.opa_json_dump(ex.builtins());
  const bytes = new Uint8Array(memory.buffer);
  const end = bytes.indexOf(0, addr);
  const map = JSON.parse(new TextDecoder().decode(bytes.subarray(addr, end))) as Record<string, number>;
  return Object.keys(map).sort();
}

export interface CallSite {
  /** The rule (package-qualified) whose body or head calls the builtin. */
  rule: string;
  file: string;
  line: number;
}

// Strings and comments removed, so that a builtin named in either is not taken for a call.
function codeOf(line: string): string {
  return line
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/`[^`]*`/g, '``')
    .replace(/#.*/, '');
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Where the Rego sources of a bundle call `name(`: each call's enclosing rule (the nearest rule
 * head at column 0 above it), file and line. Lines are those of the bundle's copy, which `opa
 * build` writes formatted (they may differ from the author's file); the rule name does not.
 * A bundle built without its sources gives none.
 */
export function findCalls(files: ReadonlyMap<string, Buffer>, name: string): CallSite[] {
  const call = new RegExp(`(?<![A-Za-z0-9_.])${escape(name)}\\s*\\(`);
  const sites: CallSite[] = [];
  for (const [file, content] of [...files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!file.endsWith('.rego')) continue;
    let pkg = '';
    let rule = '';
    const lines = content.toString('utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const code = codeOf(lines[i] as string);
      const head = /^(?:default\s+)?([A-Za-z_][A-Za-z0-9_]*)/.exec(code);
      if (head !== null) {
        const word = head[1] as string;
        if (word === 'package') pkg = code.slice('package'.length).trim();
        else if (word !== 'import') rule = word;
      }
      if (call.test(code)) {
        sites.push({ rule: pkg === '' ? rule : `${pkg}.${rule}`, file, line: i + 1 });
      }
    }
  }
  return sites;
}

/**
 * Undefined when every imported builtin is provided; else the message a refused bundle carries:
 * each missing builtin, where it is called, and why it is not available.
 */
export function unsupportedBuiltins(
  imported: readonly string[],
  files: ReadonlyMap<string, Buffer>,
  opts: { entrypoint?: string; sourcesOf?: string } = {},
): string | undefined {
  const missing = imported.filter((b) => !providedBuiltinNames.has(b));
  if (missing.length === 0) return undefined;
  const hasSources = [...files.keys()].some((f) => f.endsWith('.rego'));
  const of = opts.sourcesOf ?? 'of the bundle';
  const parts = missing.map((b) => {
    const sites = findCalls(files, b);
    // opa build -t wasm leaves the entrypoint rule out of the bundle's Rego (it is in policy.wasm):
    // a call the remaining sources do not show is in that rule.
    const where =
      sites.length > 0
        ? ` (called in ${sites.map((s) => `rule ${s.rule} at ${s.file}:${s.line} ${of}`).join(', ')})`
        : hasSources && opts.entrypoint !== undefined
          ? ` (called in the entrypoint rule ${opts.entrypoint.replace(/\//g, '.')})`
          : '';
    const why = refusalReason(b);
    return `builtin ${b}${where}${why === undefined ? '' : `: ${why}`}`;
  });
  return `the policy needs ${parts.join('; ')}; neither opa-wasm nor Mandate provides ${
    missing.length === 1 ? 'it' : 'them'
  } (rego/README.md "Builtins" lists what a policy may use)`;
}
