/**
 * The service's registry handed to the policy as data (ADR 0007): the configuration file's MCP
 * servers, downstream services and the services each server may call, overlaid onto the bundle's
 * `data.mandate.mcp_servers`, `data.mandate.services` and `data.mandate.actors` when a bundle loads,
 * so that the Rego keeps reading the same paths and holds only rules. A decision then depends on the
 * bundle and the registry: the registry's digest travels next to the bundle's in decision events.
 */
import { createHash } from 'node:crypto';

type Entry = Record<string, unknown>;

/** What the policy sees at `data.mandate.{mcp_servers,services,actors}`, keyed as rego/README.md says. */
export interface RegistryData {
  mcp_servers: Record<string, Entry>;
  services: Record<string, Entry>;
  actors: Record<string, { services: string[] }>;
}

export interface PolicyRegistry {
  data: RegistryData;
  /** SHA-256 (hex) of the canonical JSON of `data`. */
  digest: string;
  /** Where it was read (the configuration file), for messages. */
  source: string;
}

export const REGISTRY_PATHS = ['mcp_servers', 'services', 'actors'] as const;

/**
 * JSON with object members in code-point order. The registry holds only strings, integers,
 * booleans, arrays and objects, for which this is RFC 8785's canonical form (numbers are integers,
 * strings serialize as JSON.stringify does); src/audit's canonicalizer is not importable from here.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Entry)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function policyRegistry(data: RegistryData, source: string): PolicyRegistry {
  return { data, digest: createHash('sha256').update(canonicalJson(data)).digest('hex'), source };
}

function isObject(v: unknown): v is Entry {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One registered entry over the bundle's entry of the same name: every field the registry sets
 * wins; the bundle's other fields stay (what the policy says of a registered name, e.g. which
 * groups may read anyone's record with a tool). A server's tools are the registry's: the bundle's
 * fields are kept only for tools the registry names.
 */
function overlayEntry(bundle: unknown, registered: Entry): Entry {
  const base = isObject(bundle) ? bundle : {};
  const out: Entry = { ...base, ...registered };
  if (isObject(registered.tools)) {
    const baseTools = isObject(base.tools) ? base.tools : {};
    out.tools = Object.fromEntries(
      Object.entries(registered.tools).map(([name, tool]) => [
        name,
        { ...(isObject(baseTools[name]) ? baseTools[name] : {}), ...(tool as Entry) },
      ]),
    );
  }
  return out;
}

export interface Overlaid {
  data: Record<string, unknown>;
  /** Entries of the bundle's data the registry does not register, left out (`services/crm`). */
  dropped: string[];
}

/**
 * The bundle's data with the registry overlaid: at each of the three paths exactly the registered
 * names, so a name the bundle lists and the configuration does not is not registered (and is
 * reported in `dropped`). The bundle's data is not modified.
 */
export function overlayRegistry(bundleData: Record<string, unknown>, registry: RegistryData): Overlaid {
  const mandate = isObject(bundleData.mandate) ? bundleData.mandate : {};
  const dropped: string[] = [];
  const next: Entry = { ...mandate };
  for (const path of REGISTRY_PATHS) {
    const fromBundle = isObject(mandate[path]) ? mandate[path] : {};
    const registered = registry[path] as Record<string, Entry>;
    for (const name of Object.keys(fromBundle)) if (!(name in registered)) dropped.push(`${path}/${name}`);
    next[path] = Object.fromEntries(
      Object.entries(registered).map(([name, entry]) => [name, overlayEntry(fromBundle[name], entry)]),
    );
  }
  return { data: { ...bundleData, mandate: next }, dropped };
}
