/**
 * The kinds of downstream connector (issue 16, ADR 0013): how Mandate obtains a token for a
 * downstream service after policy allows a token exchange.
 */
export const connectorKinds = ['mandate', 'jwt-bearer', 'salesforce', 'id-jag'] as const;
export type ConnectorKind = (typeof connectorKinds)[number];

/** The kinds that sign assertions with a key of their own, kept per service (keys/connector-keys.ts). */
export const keyedKinds: readonly ConnectorKind[] = ['jwt-bearer', 'salesforce', 'id-jag'];
