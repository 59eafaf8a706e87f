/**
 * The AuthZEN request boundary (src/oauth/authzen/request.ts): a body becomes typed evaluations
 * only when every value in it can (src/text.ts jsonValueProblem), so the policy decides on exactly
 * what the MCP server sent.
 */
import { describe, expect, it } from 'vitest';
import {
  AuthzenRequestError,
  parseEvaluation,
  parseEvaluations,
} from '../../../src/oauth/authzen/request.js';

const one = (args: string): string =>
  `{"subject":{"type":"user","id":"alice","properties":{"token":"t"}},"action":{"name":"tool_call"},` +
  `"resource":{"type":"mcp_tool","id":"x","properties":{"arguments":${args}}}}`;

describe('AuthZEN request bodies', () => {
  it('parses an access evaluation', () => {
    expect(parseEvaluation(JSON.parse(one('{"n":1}')))).toEqual({
      subject: { type: 'user', id: 'alice', properties: { token: 't' } },
      action: { name: 'tool_call', properties: {} },
      resource: { type: 'mcp_tool', id: 'x', properties: { arguments: { n: 1 } } },
      context: {},
    });
  });

  it.each([
    [
      'a NUL in an argument',
      '{"r":"a\\u0000"}',
      'the request body holds a NUL character or a lone surrogate',
    ],
    ['a lone surrogate', '{"r":"\\udc00x"}', 'the request body holds a NUL character or a lone surrogate'],
    [
      'a NUL in a member name',
      '{"a\\u0000":1}',
      'the request body has a member name with a NUL character or a lone surrogate',
    ],
    ['a number out of range', '{"amount":-1e999}', 'the request body holds a number out of range'],
    [
      'nesting too deep',
      `${'['.repeat(40)}${']'.repeat(40)}`,
      'the request body nests deeper than 32 levels',
    ],
  ])('refuses %s, in one evaluation and in a batch', (_, args, message) => {
    const body = JSON.parse(one(args)) as Record<string, unknown>;
    expect(() => parseEvaluation(body)).toThrow(new AuthzenRequestError(message));
    expect(() => parseEvaluations({ evaluations: [body] })).toThrow(new AuthzenRequestError(message));
  });

  it('keeps a surrogate pair (an emoji) and large finite numbers', () => {
    const e = parseEvaluation(JSON.parse(one('{"r":"\\ud83d\\ude00","n":1e300}')));
    expect(e.resource.properties.arguments).toEqual({ r: '😀', n: 1e300 });
  });
});
