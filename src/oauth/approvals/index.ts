/**
 * Deferred decisions (issue 17 §1, ADR 0014): a token exchange the policy allows once a person
 * approves it waits as an OpenID CIBA poll-mode request.
 *
 * - `pending.ts`: what a waiting request keeps (the decision input, the decision, the token it
 *   will mint) and how it is read back.
 * - `start-approval.ts`: starting one (the backchannel authentication endpoint's answer).
 * - `decide-approval.ts`: what the approval page shows, and an approver's approval or denial.
 * - `notice.ts`: the optional webhook notice of a new pending approval (never a token).
 *
 * The grant that redeems an approved request is `grants/ciba.ts`; the endpoint that starts one is
 * `endpoints/backchannel-authentication.ts`.
 */
export {};
