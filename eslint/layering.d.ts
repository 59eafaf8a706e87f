/** Types of layering.js for the tests that import it. */
import type { ESLint } from 'eslint';

export function resolveImport(fromRepoPath: string, specifier: string): string | undefined;
export function matches(path: string, patterns: string[]): boolean;
export function importGraph(files: string[], read?: (file: string) => string): Map<string, string[]>;
export function findCycles(graph: Map<string, string[]>): string[][];
declare const plugin: ESLint.Plugin;
export default plugin;
