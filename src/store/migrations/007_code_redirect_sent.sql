-- RFC 6749 §4.1.3: the token request must repeat redirect_uri when the authorization request
-- included it (it may be left out there only when the client has exactly one registered URI).
ALTER TABLE authorization_codes ADD COLUMN IF NOT EXISTS redirect_uri_sent boolean NOT NULL DEFAULT true;
