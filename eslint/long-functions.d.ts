/** Types of long-functions.js for the tests that import it. */
import type { ESLint } from 'eslint';

declare const plugin: ESLint.Plugin;
export default plugin;
