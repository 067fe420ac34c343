import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import { BoundedMap } from '../../cache/bounded-map.js';
import type { Role } from '../../db/models/index.js';

/**
 * What a token says. `sid` names the session, so logout can end this one token; `role` is what the
 * user had at sign-in and is only informational: authority is read from the database (sessions.ts).
 */
export interface Claims {
  sub: number;
  sid: string;
  role: Role;
  iat: number;
  exp: number;
}

export const newSessionId = (): string => randomBytes(16).toString('base64url');

const signers = new Map<string, (payload: Record<string, unknown>) => string>();

/** An HS256 JSON Web Token (fast-jwt) for a new session, or the given one. */
export function signToken(claims: { sub: number; role: Role; sid?: string }, secret: string, ttlSeconds: number, now = Date.now()): string {
  let sign = signers.get(secret);
  if (!sign) signers.set(secret, (sign = createSigner<Record<string, unknown>>({ key: secret, algorithm: 'HS256' })));
  const iat = Math.floor(now / 1000);
  return sign({ sub: claims.sub, sid: claims.sid ?? newSessionId(), role: claims.role, iat, exp: iat + ttlSeconds });
}

/** The claims of a well-formed, correctly signed token (expiry is the caller's to check); otherwise null. */
function verifier(secret: string): (token: string) => Claims | null {
  // Expiry is checked on every use against the memo below, so the library checks only the signature and form.
  const verify = createVerifier({ key: secret, algorithms: ['HS256'], ignoreExpiration: true, ignoreNotBefore: true });
  return (token) => {
    let claims: Partial<Claims>;
    try {
      claims = verify(token) as Partial<Claims>;
    } catch {
      return null;
    }
    if (!Number.isSafeInteger(claims.sub) || typeof claims.sid !== 'string' || (claims.role !== 'USER' && claims.role !== 'ADMIN') || typeof claims.exp !== 'number') return null;
    return claims as Claims;
  };
}

/** The claims of a valid, unexpired token; otherwise null. */
export function verifyToken(token: string, secret: string, now = Date.now()): Claims | null {
  const claims = verifier(secret)(token);
  return claims && claims.exp * 1000 > now ? claims : null;
}

/**
 * verifyToken with a memory of tokens already checked, so a client's repeated requests skip the
 * library. Only tokens whose signature checked out are remembered; expiry is checked on every use.
 */
export function tokenVerifier(secret: string, capacity = 10_000): (token: string, now?: number) => Claims | null {
  const verify = verifier(secret);
  // Keyed by the signature (43 characters) rather than the whole token, which is cheaper to hash;
  // the whole token must still match.
  const verified = new BoundedMap<string, { token: string; claims: Claims }>(capacity);
  return (token, now = Date.now()) => {
    const signature = token.slice(token.lastIndexOf('.') + 1);
    let known = verified.get(signature);
    if (!known || known.token !== token) {
      const claims = verify(token);
      if (!claims) return null;
      verified.set(signature, (known = { token, claims }));
    }
    return known.claims.exp * 1000 > now ? known.claims : null;
  };
}
