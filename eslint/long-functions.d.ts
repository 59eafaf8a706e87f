/** Types of long-functions.js for the tests that import it. */
import type { ESLint } from 'eslint';

export function readList(path: string): string[];
declare const plugin: ESLint.Plugin;
export default plugin;
