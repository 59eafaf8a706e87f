/** loadConfig's refusal of an environment, for the configuration tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

/** A localhost issuer and the example file: what every variable test starts from. */
export const BASE_ENV = { MANDATE_ISSUER: 'http://localhost:8080', MANDATE_CONFIG: 'examples/mandate.json' };

/** The ConfigError message loadConfig refuses `env` (over BASE_ENV) with; fails when it accepts it. */
export function configRefusal(env: Record<string, string>): string {
  try {
    loadConfig({ ...BASE_ENV, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('loadConfig accepted it');
}

/** One refusal of a table: the environment, and the exact message for it (which may name a path in it). */
export interface RefusalCase {
  name: string;
  env: () => Record<string, string>;
  message: (env: Record<string, string>) => string;
}

/** One test per case: loadConfig refuses `base` and the case's environment with exactly its message. */
export function itRefuses(cases: RefusalCase[], base: Record<string, string> = {}): void {
  it.each(cases)('$name', ({ env, message }) => {
    const e = { ...base, ...env() };
    let thrown: unknown;
    try {
      loadConfig(e);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as Error).message).toBe(message(e));
  });
}

/**
 * A temporary folder for the test file's configuration files, removed after its tests; `file`
 * writes one there (an object as JSON, a string as it is) and returns its path.
 */
export function configFiles(prefix: string): { dir: string; file(name: string, content: unknown): string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, content) {
      const path = join(dir, name);
      writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
      return path;
    },
  };
}
