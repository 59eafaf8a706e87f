/** OpenID AuthZEN Authorization API 1.0 §9: the Policy Decision Point metadata document. */
import type { EndpointUrls } from '../endpoint-urls.js';

/** The document's members: the PDP's identifier (Mandate's issuer) and the endpoints served. */
export interface PdpMetadata {
  policy_decision_point: string;
  access_evaluation_endpoint: string;
  access_evaluations_endpoint: string;
}

/** Mandate's PDP metadata: the PDP identifier is the issuer, so PEPs can check for mix-ups. */
export function pdpMetadata(issuer: string, urls: EndpointUrls): PdpMetadata {
  return {
    policy_decision_point: issuer,
    access_evaluation_endpoint: urls.accessEvaluation,
    access_evaluations_endpoint: urls.accessEvaluations,
  };
}

/** Where the document is served: the well-known suffix inserted before the issuer's path (§9.2). */
export function pdpMetadataPath(issuer: string): string {
  return `/.well-known/authzen-configuration${new URL(issuer).pathname.replace(/\/$/, '')}`;
}
