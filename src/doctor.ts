/**
 * `mfabot doctor`: which Microsoft Graph application permissions does MfaBot's credential hold, and
 * which does each feature still need? It gets a token the way the bot does (client secret,
 * certificate or managed identity from the configuration) and reads the token's `roles` claim, the
 * application permissions Entra ID put in it after admin consent. Against the simulator
 * (`--graph-url`, or a loopback MFABOT_GRAPH_URL) it reads the test token the simulator issues at
 * `GET /_sim/token`. The signature is not checked: this is a diagnostic, and the token came straight
 * from Entra ID (or the simulator). The token itself is never printed.
 *
 * Exit codes: 0 every checked feature has its permissions, 1 some are missing, 2 bad input or
 * configuration, 3 no token could be had.
 */
import { parseArgs } from 'node:util';
import type { TokenCredential } from '@azure/identity';
import { isLoopbackUrl, isMicrosoftGraphHost, loadConfig, secretValues, type GraphAuth } from './config';
import { createGraphCredential } from './graph/credentials';
import { botNeeds, delegatedNeeds, needSatisfied, writePermissions, type Feature, type PermissionNeed, type WriteMode } from './graph/permissions';

/** Same shape as the CLI's IO, so `runDoctor(rest, io)` slots into cli.ts. */
export interface DoctorIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
}

export interface DoctorDeps {
  /** Builds the Graph credential from configuration (default: @azure/identity, as the bot does). */
  createCredential?: (auth: GraphAuth) => TokenCredential | null;
  /** HTTP client for the simulator's token endpoint (default: the global fetch). */
  fetch?: typeof fetch;
}

/** The features MfaBot's permissions are grouped by (docs/permissions.md), in display order. */
export const FEATURES: ReadonlyArray<{ feature: Feature; title: string }> = [
  { feature: 'status', title: 'Read-only status' },
  { feature: 'policy', title: 'Create and enforce the CA policy' },
  { feature: 'pim', title: 'Require MFA on PIM activation' },
  { feature: 'nudge', title: 'Nudges in 1:1 chats' },
  { feature: 'signInImpact', title: 'Report-only sign-in impact' },
];

export interface Requirement {
  permission: string;
  /** What MfaBot does with it, e.g. "list PIM-eligible admins". */
  neededTo: string[];
  licence?: string;
}

export interface FeatureCheck {
  feature: Feature;
  title: string;
  ok: boolean;
  /** The permissions to grant; empty when ok. */
  missing: Requirement[];
}

/** The permissions a feature asks for (src/graph/permissions.ts), each with what it is for. */
export function featureRequirements(feature: Feature): Requirement[] {
  return requirementsOf(botNeeds([feature]).filter((n) => !n.optional));
}

function requirementsOf(needs: readonly PermissionNeed[]): Requirement[] {
  const byPermission = new Map<string, { permission: string; uses: Array<{ what: string; licence?: string }> }>();
  const add = (permission: string, what: string, licence?: string) => {
    const entry = byPermission.get(permission) ?? { permission, uses: [] };
    if (!entry.uses.some((u) => u.what === what)) entry.uses.push({ what, licence });
    byPermission.set(permission, entry);
  };
  for (const n of needs) {
    add(n.permission, n.what, n.licence);
    for (const p of n.alongside ?? []) add(p, `use ${n.permission}, which Graph accepts only together with ${p}`);
  }
  return [...byPermission.values()].map(({ permission, uses }) => {
    const licences = new Set(uses.map((u) => u.licence));
    // One licence for every use is said once; otherwise each use says its own.
    if (licences.size === 1) {
      const [licence] = licences;
      return { permission, neededTo: uses.map((u) => u.what), ...(licence ? { licence } : {}) };
    }
    return { permission, neededTo: uses.map((u) => (u.licence ? `${u.what} (with ${u.licence})` : u.what)) };
  });
}

/**
 * Compares granted permissions with each feature's needs. A need is met by its own permission or any
 * alternative Microsoft's map accepts (plus its companions); for an unmet need doctor asks for the
 * permission MfaBot's table names, once per permission.
 */
export function checkPermissions(granted: readonly string[], features: readonly Feature[] = FEATURES.map((f) => f.feature), mode: WriteMode = 'application'): FeatureCheck[] {
  return FEATURES.filter((f) => features.includes(f.feature)).map(({ feature, title }) => {
    const have = new Set(granted.map((p) => p.toLowerCase()));
    const unmet = botNeeds([feature], mode).filter((n) => !n.optional && !needSatisfied(n, granted));
    const missing = requirementsOf(unmet.map((n) => {
      const lacking = (n.alongside ?? []).filter((p) => !have.has(p.toLowerCase()));
      // A need whose own permission (or an alternative) is granted lacks only its companions.
      if (!needSatisfied({ ...n, alongside: [] }, granted)) return { ...n, alongside: lacking };
      const [first = n.permission, ...rest] = lacking;
      return { ...n, permission: first, alongside: rest, what: `use ${n.permission}, which Graph accepts only together with ${first}`, licence: undefined };
    }));
    return { feature, title, ok: missing.length === 0, missing };
  });
}

export interface AccessTokenClaims {
  /** Application permissions (app roles) granted to the app. */
  roles: string[];
  tid?: string;
  /** Client id of the app the token was issued to (v1 tokens: appid, v2: azp). */
  appId?: string;
  aud?: string;
}

export class DoctorError extends Error {
  constructor(message: string, readonly exitCode: 2 | 3) {
    super(message);
    this.name = 'DoctorError';
  }
}

/** Reads the claims of a JWT access token without verifying it. Errors never quote the token. */
export function decodeAccessToken(token: string): AccessTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1]) throw new DoctorError('the access token is not a JWT (expected three dot-separated parts)', 3);
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    throw new DoctorError('the access token\'s payload is not JSON', 3);
  }
  if (!payload || typeof payload !== 'object' || Array.isArray(payload)) throw new DoctorError('the access token\'s payload is not a JSON object', 3);
  const claims = payload as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const roles = claims.roles === undefined ? [] : claims.roles;
  if (!Array.isArray(roles) || roles.some((r) => typeof r !== 'string')) throw new DoctorError('the access token\'s roles claim is not a list of names', 3);
  return { roles: [...(roles as string[])].sort(), tid: str(claims.tid), appId: str(claims.appid) ?? str(claims.azp), aud: str(claims.aud) };
}

/** Where a Global Administrator (or Privileged Role Administrator) grants tenant-wide admin consent. */
export function adminConsentUrl(tenantId: string, appId: string): string {
  return `https://login.microsoftonline.com/${encodeURIComponent(tenantId)}/adminconsent?client_id=${encodeURIComponent(appId)}`;
}

const AADSTS_HINTS: ReadonlyArray<[RegExp, string]> = [
  [/AADSTS7000215|AADSTS7000222/, 'the client secret is wrong or expired: create a new one in the app registration (Certificates & secrets) and update MicrosoftAppPassword or MFABOT_GRAPH_CLIENT_SECRET'],
  [/AADSTS700016/, 'the app id is not an application in this tenant: check MFABOT_GRAPH_CLIENT_ID (or MicrosoftAppId) and MicrosoftAppTenantId'],
  [/AADSTS7000229/, 'the app has no service principal in this tenant: open the app registration\'s "Enterprise application" once, or `az ad sp create --id <app id>`'],
  [/AADSTS90002|AADSTS900023/, 'the tenant does not exist: check MicrosoftAppTenantId'],
  [/AADSTS700027|AADSTS700023|AADSTS50012/, 'the certificate was not accepted: upload its public part to the app registration and check MFABOT_GRAPH_CERTIFICATE_PATH'],
  [/ManagedIdentityCredential|managed identity/i, 'no managed identity is reachable here: run doctor on the App Service (SSH console) or configure a secret or certificate'],
  [/network_error|ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN/, 'the Entra ID sign-in endpoint could not be reached: check the network, DNS or proxy (HTTPS_PROXY)'],
];

function describeTokenFailure(err: unknown, secrets: readonly string[]): string {
  const raw = err instanceof Error ? err.message : String(err);
  const code = /AADSTS\d+/.exec(raw)?.[0];
  const hint = AADSTS_HINTS.find(([re]) => re.test(raw))?.[1];
  let first = (raw.split('\n').find((l) => l.trim() !== '') ?? 'unknown error').trim().slice(0, 300);
  for (const s of secrets) first = first.split(s).join('***');
  return `could not get a Microsoft Graph token${code ? ` (${code})` : ''}: ${hint ?? first}`;
}

interface TokenSource {
  token: string;
  /** What configuration says, used when the token lacks the claim. */
  tenantId: string | null;
  appId: string | null;
  kind: GraphAuth['kind'] | 'simulator';
  /** The configured write mode (from the configuration; unknown for --graph-url). */
  writeMode?: WriteMode;
}

function checkGraphUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new DoctorError(`--graph-url is not a URL: "${url}"`, 2);
  }
  if (isMicrosoftGraphHost(trimmed)) throw new DoctorError('--graph-url is for the simulator; for Microsoft Graph configure credentials and omit it', 2);
  if (parsed.protocol !== 'https:' && !isLoopbackUrl(trimmed)) throw new DoctorError('--graph-url must be https, or http on loopback', 2);
  return trimmed;
}

/** The simulator issues a test token for the permissions it was started with (`GET /_sim/token`). */
async function simulatorToken(baseUrl: string, fetchImpl: typeof fetch): Promise<TokenSource> {
  const origin = new URL(baseUrl).origin;
  let res: Response;
  try {
    res = await fetchImpl(`${origin}/_sim/token`, { signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    throw new DoctorError(`could not reach ${origin}: ${err instanceof Error ? err.message : String(err)}`, 3);
  }
  if (res.status === 404) {
    throw new DoctorError(`${origin} issues no test token (GET /_sim/token answered 404): doctor checks the configured credentials, or the MfaBot simulator`, 2);
  }
  if (!res.ok) throw new DoctorError(`${origin}/_sim/token answered HTTP ${res.status}`, 3);
  const body = (await res.json().catch(() => null)) as { access_token?: unknown } | null;
  if (!body || typeof body.access_token !== 'string') throw new DoctorError(`${origin}/_sim/token did not return an access_token`, 3);
  return { token: body.access_token, tenantId: null, appId: null, kind: 'simulator' };
}

async function configuredToken(io: DoctorIO, deps: DoctorDeps): Promise<TokenSource> {
  let config;
  try {
    config = loadConfig(io.env);
  } catch (err) {
    throw new DoctorError((err as Error).message.replace(/\n\s*/g, ' '), 2);
  }
  if (config.graph.auth.kind === 'none') {
    if (isLoopbackUrl(config.graph.baseUrl)) return simulatorToken(config.graph.baseUrl, deps.fetch ?? fetch);
    throw new DoctorError('no Graph credentials configured: set MicrosoftAppTenantId and MFABOT_GRAPH_CLIENT_ID (or MicrosoftAppId) with a secret or certificate, or MFABOT_GRAPH_MANAGED_IDENTITY; or use --graph-url for the simulator', 2);
  }
  const auth = config.graph.auth;
  const credential = (deps.createCredential ?? createGraphCredential)(auth);
  if (!credential) throw new DoctorError('no Graph credential could be built from the configuration', 2);
  const scope = `${new URL(config.graph.baseUrl).origin}/.default`;
  let token: string | undefined;
  try {
    token = (await credential.getToken(scope))?.token;
  } catch (err) {
    throw new DoctorError(describeTokenFailure(err, secretValues(config)), 3);
  }
  if (!token) throw new DoctorError('could not get a Microsoft Graph token: the credential returned none', 3);
  return {
    token,
    tenantId: config.tenantId,
    appId: auth.kind === 'secret' || auth.kind === 'certificate' ? auth.clientId : auth.kind === 'managedIdentity' ? auth.clientId : null,
    kind: auth.kind,
    writeMode: config.writes.mode,
  };
}

function parseFeatures(value: string | undefined): Feature[] {
  const all = FEATURES.map((f) => f.feature);
  if (value === undefined) return all;
  const names = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  const bad = names.filter((n) => !all.includes(n as Feature));
  if (names.length === 0 || bad.length > 0) throw new DoctorError(`--features takes a comma-separated list of ${all.join(', ')}${bad.length ? ` (unknown: ${bad.join(', ')})` : ''}`, 2);
  return names as Feature[];
}

/** The write mode doctor checks for: --write-mode, else the configured one. */
function writeModeOf(flag: string | undefined, configured: WriteMode | undefined): WriteMode {
  if (flag === undefined) return configured ?? 'application';
  if (flag !== 'delegated' && flag !== 'application') throw new DoctorError('--write-mode takes delegated or application', 2);
  return flag;
}

export interface WritesReport {
  mode: WriteMode;
  /** Delegated mode: the delegated permissions to grant MfaBot (what the approvers' own tokens need). */
  delegatedScopes: string[];
  /** Delegated mode: per change, the directory roles one of which the approving admin must hold actively. */
  approverRoles: Array<{ change: string; roles: string[] }>;
  /** Delegated mode: application permissions the app holds that only write, and that nothing uses. */
  unneeded: string[];
}

function writesReport(mode: WriteMode, granted: readonly string[], features: readonly Feature[]): WritesReport {
  if (mode === 'application') return { mode, delegatedScopes: [], approverRoles: [], unneeded: [] };
  const approverRoles = FEATURES.filter((f) => features.includes(f.feature))
    .map(({ feature, title }) => ({ change: title, roles: delegatedNeeds([feature]).roles }))
    .filter((c) => c.roles.length > 0);
  const have = new Set(granted.map((p) => p.toLowerCase()));
  return { mode, delegatedScopes: delegatedNeeds(features).scopes, approverRoles, unneeded: writePermissions().filter((p) => have.has(p.toLowerCase())) };
}

function writesLines(w: WritesReport): string[] {
  if (w.mode === 'application') {
    return ['Writes: with MfaBot\'s app permissions (MFABOT_WRITE_MODE=application): whoever holds the app\'s secret or certificate can change Conditional Access. Delegated mode (Teams single sign-on) needs no write permission: see docs/permissions.md.'];
  }
  const roles = w.approverRoles.map((c) => `${c.change}: one of ${c.roles.join(', ')}`).join('; ');
  const lines = [
    `Writes: with the approver's own identity (delegated): the app needs no write permission. Grant MfaBot the delegated permissions ${w.delegatedScopes.join(', ') || 'none'} with admin consent. Approvers need, per change, an active role: ${roles || 'none'}.`,
  ];
  if (w.unneeded.length > 0) lines.push(`WARNING: the app holds ${w.unneeded.join(', ')}, which delegated mode never uses: remove ${w.unneeded.length === 1 ? 'it' : 'them'}, so that the app's credentials alone cannot change the tenant.`);
  return lines;
}

function describe(r: Requirement): string {
  return `${r.permission} (to ${r.neededTo.join('; ')}${r.licence ? `; needs ${r.licence}` : ''})`;
}

/** Runs `mfabot doctor [--graph-url URL] [--features LIST] [--json]`; returns the exit code, never throws. */
export async function runDoctor(argv: string[], io: DoctorIO, deps: DoctorDeps = {}): Promise<number> {
  try {
    let values: { 'graph-url'?: string; features?: string; json?: boolean; 'write-mode'?: string };
    try {
      ({ values } = parseArgs({ args: argv, options: { 'graph-url': { type: 'string' }, features: { type: 'string' }, json: { type: 'boolean' }, 'write-mode': { type: 'string' } } }));
    } catch (err) {
      throw new DoctorError((err as Error).message.split('\n')[0] ?? 'bad arguments', 2);
    }
    const features = parseFeatures(values.features);
    const source = values['graph-url'] !== undefined
      ? await simulatorToken(checkGraphUrl(values['graph-url']), deps.fetch ?? fetch)
      : await configuredToken(io, deps);
    const claims = decodeAccessToken(source.token);
    const mode = writeModeOf(values['write-mode'], source.writeMode);
    const checks = checkPermissions(claims.roles, features, mode);
    const writes = writesReport(mode, claims.roles, features);
    const tenantId = claims.tid ?? source.tenantId;
    const appId = claims.appId ?? source.appId;
    const consentUrl = tenantId && appId ? adminConsentUrl(tenantId, appId) : null;
    const ok = checks.every((c) => c.ok);

    if (values.json) {
      io.stdout(`${JSON.stringify({ tenantId, appId, granted: claims.roles, features: checks, writes, adminConsentUrl: consentUrl }, null, 2)}\n`);
      return ok ? 0 : 1;
    }
    const lines = [
      `Microsoft Graph application permissions of app ${appId ?? '(unknown)'} in tenant ${tenantId ?? '(unknown)'}:`,
      `  granted: ${claims.roles.length > 0 ? claims.roles.join(', ') : 'none (no application permission has admin consent)'}`,
      ...checks.map((c) => `${c.title}: ${c.ok ? 'OK' : `missing ${c.missing.map(describe).join(', ')}`}`),
      ...writesLines(writes),
    ];
    if (source.kind === 'managedIdentity') {
      lines.push('A managed identity gets Graph permissions as app role assignments (no consent page): see docs/permissions.md, "Managed identity".');
    } else if (consentUrl) {
      lines.push(ok ? `Admin consent page: ${consentUrl}` : `Add the missing application permissions to the app registration (API permissions > Microsoft Graph), then a Global Administrator or Privileged Role Administrator grants consent: ${consentUrl}`);
    }
    io.stdout(`${lines.join('\n')}\n`);
    return ok ? 0 : 1;
  } catch (err) {
    if (err instanceof DoctorError) {
      io.stderr(`mfabot doctor: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`mfabot doctor: ${err instanceof Error ? err.message : String(err)}\n`);
    return 3;
  }
}
