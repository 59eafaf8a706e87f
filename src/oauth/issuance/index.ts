/**
 * Issuing a token once the policy has allowed it, the same way for every grant:
 *
 * - `issue-token.ts`: the one issuance helper: the mint step, then the issuance record, the audit
 *   token event and the members every token response shares.
 * - `redeem-assertion.ts`: a checked JWT bearer assertion (an ID-JAG or a workload's platform JWT)
 *   decided, bounded by its lifetime, used once and issued.
 *
 * The mint step itself (`Mint`, what is allowed and what is minted, and Mandate's own minting) is
 * `tokens/mint.ts`, so that the context can name it.
 */
export {};
