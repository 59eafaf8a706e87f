import { describe, expect, it } from 'vitest';
import {
  ID_JAG_GRANT_PROFILE,
  ID_JAG_TYP,
  isResourceIndicator,
} from '../../../src/oauth/id-jag/id-jag-profile.js';

describe('the ID-JAG profile', () => {
  it("names the draft's typ and grant profile", () => {
    expect(ID_JAG_TYP).toBe('oauth-id-jag+jwt');
    expect(ID_JAG_GRANT_PROFILE).toBe('urn:ietf:params:oauth:grant-profile:id-jag');
  });

  it.each(['https://api.example/', 'https://api.example/mcp?x=1', 'urn:example:resource'])(
    'accepts the absolute URI %s as a resource indicator',
    (v) => expect(isResourceIndicator(v)).toBe(true),
  );

  it.each(['https://api.example/#frag', 'https://api.example/#', '/relative', 'api.example', ''])(
    'refuses %j (relative, or with a fragment: RFC 8707 §2)',
    (v) => expect(isResourceIndicator(v)).toBe(false),
  );
});
