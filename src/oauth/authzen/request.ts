/**
 * The wire shape of OpenID AuthZEN Authorization API 1.0 requests (§5-§8): a 4-tuple of subject,
 * action, resource and context, or `evaluations` of them with top-level defaults (§7.1.1) and
 * `options.evaluations_semantic` (§7.1.2.1). Only shape is checked here; meaning (a tool call of
 * a verified access token) is evaluate.ts's.
 */
import { jsonValueProblem } from '../../text.js';

/** A request that is not an AuthZEN request: answered 400 with the message (§12.1.11). */
export class AuthzenRequestError extends Error {
  override readonly name = 'AuthzenRequestError';
}

/** One AuthZEN entity (§5.1, §5.2): a `type`, an `id` and optional `properties`. */
export interface Entity {
  type: string;
  id: string;
  properties: Record<string, unknown>;
}

/** One access evaluation, after defaults (§6.1). */
export interface Evaluation {
  subject: Entity;
  action: { name: string; properties: Record<string, unknown> };
  resource: Entity;
  context: Record<string, unknown>;
}

export type EvaluationsSemantic = 'execute_all' | 'deny_on_first_deny' | 'permit_on_first_permit';

const semantics = new Set<string>(['execute_all', 'deny_on_first_deny', 'permit_on_first_permit']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function properties(v: Record<string, unknown>, where: string): Record<string, unknown> {
  if (v.properties === undefined) return {};
  if (!isObject(v.properties)) throw new AuthzenRequestError(`${where}.properties must be an object`);
  return v.properties;
}

function entity(v: unknown, where: string): Entity {
  if (!isObject(v)) throw new AuthzenRequestError(`${where} is required and must be an object`);
  if (typeof v.type !== 'string' || v.type === '')
    throw new AuthzenRequestError(`${where}.type is required and must be a string`);
  if (typeof v.id !== 'string' || v.id === '')
    throw new AuthzenRequestError(`${where}.id is required and must be a string`);
  return { type: v.type, id: v.id, properties: properties(v, where) };
}

function evaluation(v: Record<string, unknown>, where: string): Evaluation {
  const action = v.action;
  if (!isObject(action) || typeof action.name !== 'string' || action.name === '')
    throw new AuthzenRequestError(`${where}action.name is required and must be a string`);
  if (v.context !== undefined && !isObject(v.context))
    throw new AuthzenRequestError(`${where}context must be an object`);
  return {
    subject: entity(v.subject, `${where}subject`),
    action: { name: action.name, properties: properties(action, `${where}action`) },
    resource: entity(v.resource, `${where}resource`),
    context: v.context ?? {},
  };
}

/** A body that is a JSON object whose every value can become a typed value (src/text.ts). */
function jsonObject(body: unknown): Record<string, unknown> {
  if (!isObject(body)) throw new AuthzenRequestError('the request body must be a JSON object');
  const problem = jsonValueProblem(body);
  if (problem !== undefined) throw new AuthzenRequestError(`the request body ${problem}`);
  return body;
}

/** Parses an Access Evaluation request body (§6.1). */
export function parseEvaluation(raw: unknown): Evaluation {
  const body = jsonObject(raw);
  return evaluation(body, '');
}

/** Parses an Access Evaluations request body (§7.1): each evaluation with the defaults applied. */
export function parseEvaluations(raw: unknown): {
  evaluations: Evaluation[];
  semantic: EvaluationsSemantic;
} {
  const body = jsonObject(raw);
  const options = body.options === undefined ? {} : body.options;
  if (!isObject(options)) throw new AuthzenRequestError('options must be an object');
  const semantic = options.evaluations_semantic ?? 'execute_all';
  if (typeof semantic !== 'string' || !semantics.has(semantic))
    throw new AuthzenRequestError(
      'options.evaluations_semantic must be execute_all, deny_on_first_deny or permit_on_first_permit',
    );
  // §7.1: without an `evaluations` array the request is a single evaluation.
  if (body.evaluations === undefined)
    return { evaluations: [evaluation(body, '')], semantic: semantic as EvaluationsSemantic };
  if (!Array.isArray(body.evaluations)) throw new AuthzenRequestError('evaluations must be an array');
  const defaults = {
    subject: body.subject,
    action: body.action,
    resource: body.resource,
    context: body.context,
  };
  const evaluations = body.evaluations.map((e: unknown, i) => {
    if (!isObject(e)) throw new AuthzenRequestError(`evaluations[${i}] must be an object`);
    const merged = Object.fromEntries(
      Object.entries(defaults).map(([k, v]) => [k, e[k] === undefined ? v : e[k]]),
    );
    return evaluation(merged, `evaluations[${i}].`);
  });
  return { evaluations, semantic: semantic as EvaluationsSemantic };
}
