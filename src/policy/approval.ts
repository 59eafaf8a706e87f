/**
 * The obligation `require_approval` (issue 17 §1, ADR 0014): a policy that allows an action may
 * still require that a person approves it first. Mandate then issues nothing; it keeps the whole
 * decision input and starts an OpenID CIBA approval, and issues exactly what was decided once the
 * approver says yes.
 */
import { z } from 'zod';

/** Longest an approval may stay open (one day), and the shortest it may (a minute's poll). */
export const MAX_APPROVAL_TTL_SECONDS = 86_400;
export const MIN_APPROVAL_TTL_SECONDS = 10;
/** CIBA §7.1 asks for a message short enough to show on a device; control characters never. */
export const MAX_BINDING_MESSAGE = 200;

// No C0/C1 control characters (a line break would let a policy message fake a second line on the page).
// eslint-disable-next-line no-control-regex
const controlChars = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * `require_approval: { binding_message, approvers?, ttl_seconds }`. `approvers` names who may
 * approve: a user's `sub`, or `group:<name>` for any member of an IdP group; absent, the subject
 * (the user on whose behalf the agent asks) approves.
 */
export const approvalObligationSchema = z.strictObject({
  binding_message: z
    .string()
    .min(1)
    .max(MAX_BINDING_MESSAGE)
    .refine((s) => !controlChars.test(s), 'must not contain control characters'),
  approvers: z
    .array(
      z
        .string()
        .min(1)
        .max(256)
        .refine((s) => !controlChars.test(s), 'must not contain control characters'),
    )
    .min(1)
    .max(50)
    .optional(),
  ttl_seconds: z.number().int().min(MIN_APPROVAL_TTL_SECONDS).max(MAX_APPROVAL_TTL_SECONDS),
});
export type ApprovalObligation = z.infer<typeof approvalObligationSchema>;

/** The prefix of an approver entry that names a group rather than a user. */
export const GROUP_APPROVER_PREFIX = 'group:';

/**
 * Whether `person` (a logged-in user's `sub` and groups) may approve under `obligation` for the
 * request of `subject`.
 */
export function mayApprove(
  obligation: Pick<ApprovalObligation, 'approvers'>,
  subject: string,
  person: { sub: string; groups: readonly string[] },
): boolean {
  const approvers = obligation.approvers;
  if (approvers === undefined) return person.sub === subject;
  return approvers.some((a) =>
    a.startsWith(GROUP_APPROVER_PREFIX)
      ? person.groups.includes(a.slice(GROUP_APPROVER_PREFIX.length))
      : a === person.sub,
  );
}
