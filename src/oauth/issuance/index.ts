/**
 * Issuing a token once the policy has allowed it, the same way for every grant:
 *
 * - `issue-token.ts`: the one issuance helper: the mint step, then the issuance record, the audit
 *   token event and the members every token response shares.
 * - `redeem-assertion.ts`: a checked JWT bearer assertion (an ID-JAG or a workload's platform JWT)
 *   decided, bounded by its lifetime, used once and issued.
 * - `first-hop-token.ts`: what the code and refresh grants and the authorization endpoint's decision
 *   share: the decision input for a user reaching an MCP server and the first-hop token to mint.
 *
 * The mint step itself (`Mint`, what is allowed and what is minted, and Mandate's own minting) is
 * `tokens/mint.ts`, so that the context can name it.
 */
export {};
