/**
 * Decisions for resource servers (OpenID AuthZEN Authorization API 1.0): an MCP server asks
 * whether a tool call may go ahead, and the same Rego that decides tokens decides it.
 *
 * - `request.ts`: the wire shape of evaluation and evaluations requests, with their defaults.
 * - `evaluate.ts`: the caller's authentication, the access token's facts, the decision, its audit
 *   record (linked by the token's `jti`) and the answer with its reasons and step-up scopes.
 * - `metadata.ts`: the PDP metadata at `/.well-known/authzen-configuration` (§9).
 * - `tool-approval.ts`: a tool call a person must approve (ADR 0014 "Tool calls"): its policy input,
 *   its approval started at `/bc-authorize`, and the approval used once by the call's evaluation.
 */
export {};
