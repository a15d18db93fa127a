import { randomBytes } from 'node:crypto';
import { createSigner, createVerifier } from 'fast-jwt';
import * as v from 'valibot';
import { ConfigError } from '../config/load-config.js';
import { KEY_VERSION, type Config } from '../config/schema.js';

export const SCOPES = ['read', 'write'] as const;
export type Scope = (typeof SCOPES)[number];

/** The secret's string bytes are the HS256 key, as in the original Go template. */
export interface ApiKeySettings {
  secret: string;
  issuer: string;
  env: string;
  keyVersion: string;
  invalidVersions: readonly string[];
}

export const MIN_SECRET_LENGTH = 32;

const time = v.optional(v.number());
const words = (text: string) => text.split(' ').filter(Boolean);
const ClaimsSchema = v.object({
  iss: v.string(),
  type: v.literal('public'),
  // A list, as the original issues it; a space-separated string (OAuth 2.0 style) is accepted too.
  scope: v.union([v.array(v.string()), v.pipe(v.string(), v.transform(words))]),
  version: v.pipe(v.string(), v.regex(KEY_VERSION)),
  env: v.string(),
  ...{ exp: time, nbf: time, iat: time },
});

// The signer's clock may run ahead of ours.
const CLOCK_SKEW_SECONDS = 60;

type Verify = (token: string) => Record<string, unknown>;

// HS256 only (`none` refused); cached results make a repeat cost no HMAC.
const verifiers = new WeakMap<ApiKeySettings, Verify>();
const VERIFIER_OPTIONS = { algorithms: ['HS256' as const], ignoreExpiration: true, ignoreNotBefore: true, cache: 1000 };

function verifierFor(settings: ApiKeySettings): Verify {
  // Payloads are plain JSON objects; fast-jwt types them as any.
  const verifier = verifiers.get(settings) ?? (createVerifier({ key: settings.secret, ...VERIFIER_OPTIONS }) as Verify);
  verifiers.set(settings, verifier);
  return verifier;
}

type Refusal = 'invalid' | 'expired' | 'other-issuer' | 'other-env' | 'revoked';

export type Verification =
  | { readonly ok: true; readonly scopes: readonly string[]; readonly subject: string | undefined }
  | { readonly ok: false; readonly reason: Refusal; readonly detail: string };

const refuse = (reason: Refusal, detail: string): Verification => ({ ok: false, reason, detail });
const NEW_KEY = 'make a new one with npm run api-key';

export async function verifyApiKey(token: string, settings: ApiKeySettings, now?: number): Promise<Verification> {
  let payload: Record<string, unknown>;
  const signature = token.slice(token.lastIndexOf('.') + 1);
  try {
    // One spelling per key: the unused low bits of a signature's last character must be zero.
    if (Buffer.from(signature, 'base64url').toString('base64url') !== signature) throw new Error('not canonical');
    payload = verifierFor(settings)(token);
  } catch {
    return refuse('invalid', `The API key is not valid for this API: check that it was copied whole, or ${NEW_KEY}`);
  }
  const claims = v.safeParse(ClaimsSchema, payload);
  const lacks = `The API key lacks the claims this API needs (type "public", scope, version, env, numeric times): ${NEW_KEY}`;
  if (!claims.success) return refuse('invalid', lacks);
  const { iss, scope, version, env, exp, nbf } = claims.output;
  const seconds = (now ?? Date.now()) / 1000;
  if (exp !== undefined && exp <= seconds) return refuse('expired', `The API key has expired: ${NEW_KEY}`);
  if (nbf !== undefined && nbf > seconds + CLOCK_SKEW_SECONDS) return refuse('invalid', 'The API key is not valid yet');
  const elsewhere = 'The API key was issued for another service: make one for this API with npm run api-key';
  if (iss !== settings.issuer) return refuse('other-issuer', elsewhere);
  const otherEnv = `The API key is for APP_ENV=${env}, and this API runs as ${settings.env}: make one with APP_ENV=${settings.env} npm run api-key`;
  if (env !== settings.env) return refuse('other-env', otherEnv);
  const revoked = `The API key has been revoked (its version is listed in api.auth.invalid_versions): ${NEW_KEY}`;
  if (settings.invalidVersions.includes(version)) return refuse('revoked', revoked);
  return { ok: true, scopes: scope, subject: typeof payload.sub === 'string' ? payload.sub : undefined };
}

export interface NewApiKey {
  scopes: readonly Scope[];
  expiresInSeconds?: number;
  subject?: string;
  now?: number;
}

export async function signApiKey(settings: ApiKeySettings, key: NewApiKey): Promise<string> {
  const iat = key.now ?? Math.floor(Date.now() / 1000);
  // fast-jwt stamps iat (and exp from expiresIn, in ms) from clockTimestamp.
  const expiry = key.expiresInSeconds === undefined ? {} : { expiresIn: key.expiresInSeconds * 1000 };
  const signer = createSigner({ key: settings.secret, algorithm: 'HS256', clockTimestamp: iat * 1000, ...expiry });
  return signer({
    iss: settings.issuer,
    sub: key.subject ?? 'api-key',
    type: 'public',
    scope: [...key.scopes],
    version: settings.keyVersion,
    env: settings.env,
  });
}

export function newSecret(): string {
  return randomBytes(32).toString('base64');
}

export function apiKeySettings(config: Config): ApiKeySettings {
  const secret = config.secrets.apiSecretKey;
  const howTo = `make one with: npm run api-key -- --new-secret, and put API_SECRET_KEY=<it> in the environment or in .env.${config.env}.local (git-ignored)`;
  const refused = (reason: string) => new ConfigError('API_SECRET_KEY', '', `${reason}; ${howTo}`);
  if (secret === undefined) throw refused('is not set');
  if (secret.length < MIN_SECRET_LENGTH)
    throw refused(`is ${secret.length} characters, at least ${MIN_SECRET_LENGTH} are needed`);
  const { issuer, key_version: keyVersion, invalid_versions: invalidVersions } = config.app.api.auth;
  return { secret, issuer, env: config.env, keyVersion, invalidVersions };
}
