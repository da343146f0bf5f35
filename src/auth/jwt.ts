import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  errors as joseErrors,
  importSPKI,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyLike,
} from 'jose';
import { z } from 'zod';
import { isRole, type Role } from './roles';

/** Where JWT verification keys come from (one of them), and what the tokens must say. */
export interface JwtSettings {
  /** HS256: a file holding the shared secret (at least 32 bytes). */
  hs256SecretFile?: string;
  /** RS256: a PEM public key file. */
  rs256PublicKeyFile?: string;
  /** RS256: a JWKS file (`{"keys": [...]}`); tokens pick their key by `kid`. */
  jwksFile?: string;
  issuer?: string;
  audience?: string;
}

export interface VerifiedToken {
  subject: string;
  issuer: string;
  name: string;
  role: Role;
  agencies: string[];
  connectors: string[];
}

export type TokenCheck = { ok: true; token: VerifiedToken } | { ok: false; reason: string };

const claimsSchema = z.object({
  sub: z.string().min(1).max(200),
  role: z.string().refine(isRole, 'role must be portal, province-it, auditor or admin'),
  name: z.string().max(200).optional(),
  agencies: z.array(z.string().max(50)).max(500).optional(),
  connectors: z.array(z.string().max(64)).max(500).optional(),
});

/**
 * Verifies bearer tokens with jose: the algorithm is fixed by the configured key (HS256 for a
 * secret, RS256 for a public key or JWKS) so a token cannot choose it; `exp` is required.
 */
export class JwtVerifier {
  private constructor(
    private readonly key: KeyLike | Uint8Array | JWTVerifyGetKey,
    private readonly algorithms: string[],
    private readonly settings: JwtSettings,
  ) {}

  /** Null when no JWT key is configured (API keys only). Throws on unreadable key files. */
  static async create(settings: JwtSettings): Promise<JwtVerifier | null> {
    const configured = [
      settings.hs256SecretFile,
      settings.rs256PublicKeyFile,
      settings.jwksFile,
    ].filter((value) => value !== undefined);
    if (configured.length === 0) return null;
    if (configured.length > 1)
      throw new Error('set only one of JWT_HS256_SECRET_FILE, JWT_PUBLIC_KEY_FILE, JWT_JWKS_FILE');
    if (settings.hs256SecretFile !== undefined) {
      const secret = readFileSync(settings.hs256SecretFile);
      const trimmed = Buffer.from(secret.toString('utf8').trim(), 'utf8');
      if (trimmed.length < 32)
        throw new Error(`${settings.hs256SecretFile}: an HS256 secret needs at least 32 bytes`);
      return new JwtVerifier(new Uint8Array(trimmed), ['HS256'], settings);
    }
    if (settings.rs256PublicKeyFile !== undefined) {
      const pem = readFileSync(settings.rs256PublicKeyFile, 'utf8');
      return new JwtVerifier(await importSPKI(pem, 'RS256'), ['RS256'], settings);
    }
    const jwks = JSON.parse(readFileSync(settings.jwksFile as string, 'utf8')) as {
      keys: unknown[];
    };
    return new JwtVerifier(createLocalJWKSet(jwks as never), ['RS256'], settings);
  }

  async verify(token: string, now: Date): Promise<TokenCheck> {
    let payload: JWTPayload;
    try {
      const result = await jwtVerify(token, this.key as never, {
        algorithms: this.algorithms,
        requiredClaims: ['exp', 'sub'],
        currentDate: now,
        ...(this.settings.issuer === undefined ? {} : { issuer: this.settings.issuer }),
        ...(this.settings.audience === undefined ? {} : { audience: this.settings.audience }),
      });
      payload = result.payload;
    } catch (error) {
      return { ok: false, reason: describeJoseError(error) };
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      return {
        ok: false,
        reason: `token claims: ${claims.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      };
    }
    return {
      ok: true,
      token: {
        subject: claims.data.sub,
        issuer: payload.iss ?? '',
        name: claims.data.name ?? claims.data.sub,
        role: claims.data.role as Role,
        agencies: claims.data.agencies ?? [],
        connectors: claims.data.connectors ?? [],
      },
    };
  }
}

/** A reason a caller can act on, without echoing the token. */
function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'token expired';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'token algorithm not accepted';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'token signature invalid';
  if (error instanceof joseErrors.JWTClaimValidationFailed)
    return `token claim ${error.claim} invalid: ${error.reason}`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key matches the token';
  if (error instanceof joseErrors.JWSInvalid || error instanceof joseErrors.JWTInvalid)
    return 'not a valid JWT';
  return 'token not accepted';
}
