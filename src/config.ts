/**
 * Configuration: parsed once from the environment into a frozen, typed object. Every problem is
 * reported at once, by variable name, so a misconfigured deployment fails at start, not mid-click.
 */
import { isGuid, parseRoleScope } from './domain/roles';
import { parseNudgers, type NudgerPolicy } from './domain/nudge';

export type GraphAuth =
  | { kind: 'secret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'certificate'; tenantId: string; clientId: string; certificatePath: string }
  | { kind: 'managedIdentity'; clientId: string | null }
  /** Only for a Graph-compatible server on loopback (the simulator). */
  | { kind: 'none' };

export interface BotAuth {
  appId: string;
  appType: 'SingleTenant' | 'MultiTenant' | 'UserAssignedMSI';
  tenantId: string;
  /** Absent for managed identity or certificate-only setups. */
  password: string | null;
  /**
   * Bot Framework endpoint overrides (sovereign clouds, offline tests). botbuilder uses all seven or
   * none: one set alone leaves the others undefined and every token is rejected.
   */
  endpoints: Record<BotEndpointKey, string> | null;
}

export const BOT_ENDPOINT_KEYS = [
  'ToChannelFromBotLoginUrl',
  'ToChannelFromBotOAuthScope',
  'ToBotFromChannelTokenIssuer',
  'OAuthUrl',
  'ToBotFromChannelOpenIdMetadataUrl',
  'ToBotFromEmulatorOpenIdMetadataUrl',
  'CallerId',
] as const;
export type BotEndpointKey = (typeof BOT_ENDPOINT_KEYS)[number];

export interface Config {
  /** Demo mode: no Microsoft app credentials; bot and simulator on loopback (contracts §5). */
  demo: boolean;
  host: string;
  port: number;
  simPort: number;
  /** Demo mode: port of the browser playground. */
  playgroundPort: number;
  /** Fixture for the simulator in demo mode; null = the built-in demo tenant. */
  tenantFile: string | null;
  bot: BotAuth | null;
  /** The tenant MfaBot serves; activities from other tenants are refused. Null in demo mode until the simulator says. */
  tenantId: string | null;
  graph: { baseUrl: string; auth: GraphAuth; timeoutMs: number; maxRetries: number };
  roleIds: string[];
  approverIds: string[];
  approverGroupId: string | null;
  breakGlassUserIds: string[];
  exclusionGroupId: string | null;
  statusCacheSeconds: number;
  /** Authentication strength for the created policy instead of plain "mfa" (e.g. phishing-resistant). */
  policyStrengthId: string | null;
  /** The approver who approves may not be the one who asked. */
  twoPersonRule: boolean;
  proposalTtlHours: number;
  /** MfaBot's Teams app manifest id (externalId in the org app catalog), for installing it for admins. */
  teamsAppId: string | null;
  nudgeWindowHours: number;
  nudgers: NudgerPolicy;
  digestHourUtc: number;
  digestWeekday: number;
  /** How often the scheduler looks for due digests, re-checks and queued nudges (tests shorten it). */
  schedulerIntervalMs: number;
  storage: 'file' | 'memory' | 'blob';
  dataDir: string;
  blob: { connectionString: string; container: string } | null;
  maxAdminsListed: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** One documented variable: how people configure MfaBot (README's table is generated from the same words). */
export interface ConfigKey {
  name: string;
  description: string;
  secret?: boolean;
}

export const CONFIG_KEYS: readonly ConfigKey[] = [
  { name: 'MicrosoftAppId', description: 'Azure Bot app (client) id. Unset = demo mode on loopback with the simulated tenant.' },
  { name: 'MicrosoftAppPassword', description: 'Azure Bot client secret (not needed with UserAssignedMSI).', secret: true },
  { name: 'MicrosoftAppType', description: 'SingleTenant (default), MultiTenant or UserAssignedMSI.' },
  { name: 'MicrosoftAppTenantId', description: 'Your Entra tenant id. Activities from any other tenant are refused.' },
  { name: 'ToBotFromChannelOpenIdMetadataUrl (and the six other Bot Framework endpoint keys)', description: 'Sovereign clouds or offline tests only: all seven botbuilder endpoint settings together.' },
  { name: 'MFABOT_GRAPH_CLIENT_ID', description: 'App id used for Microsoft Graph (default: MicrosoftAppId).' },
  { name: 'MFABOT_GRAPH_CLIENT_SECRET', description: 'Client secret for Graph (default: MicrosoftAppPassword).', secret: true },
  { name: 'MFABOT_GRAPH_CERTIFICATE_PATH', description: 'PEM file (certificate + private key) for Graph instead of a secret.' },
  { name: 'MFABOT_GRAPH_MANAGED_IDENTITY', description: '"system" or a user-assigned client id: use a managed identity for Graph.' },
  { name: 'MFABOT_GRAPH_URL', description: 'Graph base URL (default https://graph.microsoft.com). A loopback URL needs no credentials.' },
  { name: 'MFABOT_GRAPH_TIMEOUT_MS', description: 'Per-request Graph timeout (default 10000).' },
  { name: 'MFABOT_GRAPH_MAX_RETRIES', description: 'Retries on 429/503/504 and timeouts (default 3).' },
  { name: 'MFABOT_ROLES', description: 'Roles in scope: template (default, 14 roles), docs, scuba, seed, or role template ids, comma-separated.' },
  { name: 'MFABOT_APPROVERS', description: 'Entra object ids of approvers, comma-separated.' },
  { name: 'MFABOT_APPROVER_GROUP', description: 'Group whose transitive members are approvers.' },
  { name: 'MFABOT_BREAK_GLASS', description: 'Break-glass (emergency access) user ids, comma-separated. Never covered by the policy MfaBot creates.' },
  { name: 'MFABOT_EXCLUSION_GROUP', description: 'Sanctioned service-account exclusion group id.' },
  { name: 'MFABOT_POLICY_STRENGTH_ID', description: 'Authentication strength id the created policy requires instead of "mfa" (e.g. 00000000-0000-0000-0000-000000000004, phishing-resistant MFA).' },
  { name: 'MFABOT_TWO_PERSON_RULE', description: 'true: the approver must be someone other than the requester (default false).' },
  { name: 'MFABOT_PROPOSAL_TTL_HOURS', description: 'How long an approval request stays open (default 24).' },
  { name: 'MFABOT_TEAMS_APP_ID', description: "MfaBot's Teams app manifest id (externalId in your org app catalog). Nudges install MfaBot for admins who do not have it yet. Demo mode: the simulated catalog's id." },
  { name: 'MFABOT_NUDGE_WINDOW_HOURS', description: 'The same admin is nudged at most once per this many hours, whoever asks (default 24).' },
  { name: 'MFABOT_NUDGERS', description: 'Who may nudge admins: approvers (default), anyone, or Entra object ids, comma-separated.' },
  { name: 'MFABOT_DIGEST_HOUR_UTC', description: 'Hour (UTC, 0-23) at which subscribed channels get their digest (default 8).' },
  { name: 'MFABOT_DIGEST_WEEKDAY', description: 'Day of the weekly digest, 0 = Sunday … 6 = Saturday (default 1, Monday).' },
  { name: 'MFABOT_SCHEDULER_INTERVAL_MS', description: 'Tests only: how often each instance looks for due digests, registration re-checks and queued nudges (default 60000).' },
  { name: 'MFABOT_STORAGE', description: 'file (default), blob (Azure Blob Storage, for several instances) or memory (tests).' },
  { name: 'MFABOT_DATA_DIR', description: 'Folder of the file store (default .mfabot-data).' },
  { name: 'MFABOT_BLOB_CONNECTION_STRING', description: 'Azure Storage connection string for MFABOT_STORAGE=blob.', secret: true },
  { name: 'MFABOT_BLOB_CONTAINER', description: 'Blob container for MFABOT_STORAGE=blob (default mfabot).' },
  { name: 'MFABOT_STATUS_CACHE_SECONDS', description: 'How long a status read is reused for other conversations (default 60; Refresh bypasses it).' },
  { name: 'MFABOT_MAX_ADMINS_LISTED', description: 'Unregistered admins listed by name on the status card (default 15).' },
  { name: 'MFABOT_TENANT_FILE', description: 'Demo mode: tenant fixture for the simulator (default: built-in Contoso).' },
  { name: 'PORT', description: 'Bot port (default 3978).' },
  { name: 'HOST', description: 'Bind address (demo mode: always 127.0.0.1; otherwise default 0.0.0.0).' },
  { name: 'SIM_PORT', description: 'Demo mode: simulator port (default 3979).' },
  { name: 'PLAYGROUND_PORT', description: 'Demo mode: port of the browser playground (default 3980).' },
  { name: 'LOG_LEVEL', description: 'fatal, error, warn, info (default), debug, trace or silent.' },
];

const MICROSOFT_GRAPH_HOSTS = ['graph.microsoft.com', 'graph.microsoft.us', 'dod-graph.microsoft.us', 'microsoftgraph.chinacloudapi.cn', 'graph.microsoft.de'];

/** True for Microsoft's own Graph hosts, where credentials are mandatory. */
export function isMicrosoftGraphHost(url: string): boolean {
  try {
    return MICROSOFT_GRAPH_HOSTS.includes(new URL(url).hostname.toLowerCase());
  } catch {
    return false;
  }
}

/** True for loopback URLs (simulator, tests). */
export function isLoopbackUrl(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? `invalid configuration: ${problems[0]}` : `invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Settings that give MfaBot a real Graph identity. */
const GRAPH_CREDENTIAL_KEYS = [
  'MicrosoftAppPassword', 'MFABOT_GRAPH_CLIENT_ID', 'MFABOT_GRAPH_CLIENT_SECRET', 'MFABOT_GRAPH_CERTIFICATE_PATH', 'MFABOT_GRAPH_MANAGED_IDENTITY',
] as const;

/**
 * The bot without a Microsoft app id is demo mode: Bot Framework authentication is off, so anyone who
 * can reach the port (or make the operator's browser post to it) speaks for any user. That is only
 * acceptable while the tenant behind it is the simulator: with Graph credentials, or a Graph that is
 * not on loopback, the bot refuses to start. The command-line tools read a real tenant without an app
 * id legitimately; this check is the bot's alone.
 *
 * @returns null when the settings are safe, else one line naming what to add or remove.
 */
export function demoModeProblem(env: Readonly<Record<string, string | undefined>>): string | null {
  const set = (k: string): boolean => (env[k]?.trim() ?? '') !== '';
  if (set('MicrosoftAppId')) return null;
  const credentials = GRAPH_CREDENTIAL_KEYS.filter(set);
  const graphUrl = env.MFABOT_GRAPH_URL?.trim();
  const remoteGraph = graphUrl && !isLoopbackUrl(graphUrl) ? ['MFABOT_GRAPH_URL'] : [];
  const offending = [...credentials, ...remoteGraph];
  if (offending.length === 0) return null;
  return `without MicrosoftAppId MfaBot runs in demo mode (no Bot Framework authentication), which may only use the simulated tenant, ` +
    `but ${offending.join(', ')} ${offending.length === 1 ? 'is' : 'are'} set: add MicrosoftAppId, MicrosoftAppPassword (or MicrosoftAppType=UserAssignedMSI) ` +
    `and MicrosoftAppTenantId to serve a real tenant, or remove ${offending.join(', ')} for the demo`;
}

type Env = Readonly<Record<string, string | undefined>>;

function list(value: string | undefined): string[] {
  return (value ?? '').split(',').map((v) => v.trim()).filter((v) => v.length > 0);
}

/**
 * Reads the configuration. `defaults` lets demo mode supply the built-in tenant's approvers and
 * break-glass accounts when the environment leaves them unset.
 */
export function loadConfig(
  env: Env = process.env,
  defaults: Partial<Pick<Config, 'approverIds' | 'breakGlassUserIds' | 'exclusionGroupId'>> = {},
): Config {
  const problems: string[] = [];
  const str = (k: string): string | undefined => {
    const v = env[k]?.trim();
    return v ? v : undefined;
  };
  const int = (k: string, fallback: number, min: number, max: number): number => {
    const raw = str(k);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${k} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };
  const guids = (k: string): string[] => {
    const ids = list(env[k]);
    for (const id of ids) if (!isGuid(id)) problems.push(`${k}: "${id}" is not an Entra object id (GUID)`);
    return ids.filter(isGuid).map((id) => id.toLowerCase());
  };
  const guid = (k: string): string | null => {
    const v = str(k);
    if (v === undefined) return null;
    if (!isGuid(v)) {
      problems.push(`${k}: "${v}" is not an Entra object id (GUID)`);
      return null;
    }
    return v.toLowerCase();
  };

  const appId = str('MicrosoftAppId');
  const demo = appId === undefined;
  const appTypeRaw = str('MicrosoftAppType') ?? 'SingleTenant';
  const appTypes = ['SingleTenant', 'MultiTenant', 'UserAssignedMSI'] as const;
  const appType = appTypes.find((t) => t.toLowerCase() === appTypeRaw.toLowerCase());
  if (!appType) problems.push(`MicrosoftAppType must be one of ${appTypes.join(', ')} (got "${appTypeRaw}")`);
  const tenantId = guid('MicrosoftAppTenantId');
  const password = str('MicrosoftAppPassword') ?? null;

  const endpointValues = BOT_ENDPOINT_KEYS.map((k) => [k, str(k)] as const);
  const setEndpoints = endpointValues.filter(([, v]) => v !== undefined);
  let endpoints: Record<BotEndpointKey, string> | null = null;
  if (setEndpoints.length > 0 && setEndpoints.length < BOT_ENDPOINT_KEYS.length) {
    problems.push(`Bot Framework endpoint settings must be set all together or not at all; missing: ${endpointValues.filter(([, v]) => v === undefined).map(([k]) => k).join(', ')}`);
  } else if (setEndpoints.length === BOT_ENDPOINT_KEYS.length) {
    endpoints = Object.fromEntries(endpointValues) as Record<BotEndpointKey, string>;
  }

  let bot: BotAuth | null = null;
  if (!demo) {
    if (!tenantId) problems.push('MicrosoftAppTenantId is required when MicrosoftAppId is set: MfaBot serves exactly one tenant');
    if ((appType ?? 'SingleTenant') !== 'UserAssignedMSI' && !password) {
      problems.push('MicrosoftAppPassword is required unless MicrosoftAppType is UserAssignedMSI');
    }
    bot = { appId, appType: appType ?? 'SingleTenant', tenantId: tenantId ?? '', password, endpoints };
  }

  const graphUrl = (str('MFABOT_GRAPH_URL') ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  try {
    const u = new URL(graphUrl);
    if (u.protocol !== 'https:' && !isLoopbackUrl(graphUrl)) problems.push('MFABOT_GRAPH_URL must be https (plain http only on loopback)');
  } catch {
    problems.push(`MFABOT_GRAPH_URL is not a URL: "${graphUrl}"`);
  }

  const graphClientId = str('MFABOT_GRAPH_CLIENT_ID') ?? appId;
  const graphSecret = str('MFABOT_GRAPH_CLIENT_SECRET') ?? (str('MFABOT_GRAPH_CLIENT_ID') ? undefined : password ?? undefined);
  const certPath = str('MFABOT_GRAPH_CERTIFICATE_PATH');
  const mi = str('MFABOT_GRAPH_MANAGED_IDENTITY');
  let auth: GraphAuth = { kind: 'none' };
  // A loopback Graph is the simulator or a test double: it gets no real token.
  if (isLoopbackUrl(graphUrl)) auth = { kind: 'none' };
  else if (mi) auth = { kind: 'managedIdentity', clientId: mi.toLowerCase() === 'system' ? null : mi };
  else if (certPath && graphClientId && tenantId) auth = { kind: 'certificate', tenantId, clientId: graphClientId, certificatePath: certPath };
  else if (graphSecret && graphClientId && tenantId) auth = { kind: 'secret', tenantId, clientId: graphClientId, clientSecret: graphSecret };
  if (auth.kind === 'none' && !isLoopbackUrl(graphUrl)) {
    if (demo && str('MFABOT_GRAPH_URL') === undefined) {
      // Demo mode points Graph at the simulator once it has started; see index.ts.
    } else {
      problems.push(
        'no Graph credentials: set MFABOT_GRAPH_CLIENT_SECRET (or MicrosoftAppPassword), MFABOT_GRAPH_CERTIFICATE_PATH or MFABOT_GRAPH_MANAGED_IDENTITY, with MicrosoftAppTenantId',
      );
    }
  }

  let roleIds: string[] = [];
  try {
    roleIds = parseRoleScope(str('MFABOT_ROLES'));
  } catch (e) {
    problems.push(`MFABOT_ROLES: ${(e as Error).message}`);
  }

  const approverIds = env.MFABOT_APPROVERS !== undefined ? guids('MFABOT_APPROVERS') : [...(defaults.approverIds ?? [])];
  const breakGlassUserIds = env.MFABOT_BREAK_GLASS !== undefined ? guids('MFABOT_BREAK_GLASS') : [...(defaults.breakGlassUserIds ?? [])];
  const exclusionGroupId = env.MFABOT_EXCLUSION_GROUP !== undefined ? guid('MFABOT_EXCLUSION_GROUP') : defaults.exclusionGroupId ?? null;

  const storageRaw = (str('MFABOT_STORAGE') ?? 'file').toLowerCase();
  const storage = (['file', 'memory', 'blob'] as const).find((k) => k === storageRaw);
  if (!storage) problems.push(`MFABOT_STORAGE must be file, blob or memory (got "${storageRaw}")`);
  const blobConnection = str('MFABOT_BLOB_CONNECTION_STRING');
  if (storage === 'blob' && !blobConnection) problems.push('MFABOT_BLOB_CONNECTION_STRING is required when MFABOT_STORAGE=blob');
  const twoPersonRaw = (str('MFABOT_TWO_PERSON_RULE') ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0', 'yes', 'no'].includes(twoPersonRaw)) problems.push('MFABOT_TWO_PERSON_RULE must be true or false');

  const nudgers = parseNudgers(str('MFABOT_NUDGERS'));
  if ('problem' in nudgers) problems.push(`MFABOT_NUDGERS ${nudgers.problem}`);
  const teamsAppId = str('MFABOT_TEAMS_APP_ID') ?? null;
  if (teamsAppId !== null && !isGuid(teamsAppId)) problems.push(`MFABOT_TEAMS_APP_ID: "${teamsAppId}" is not a Teams app manifest id (GUID)`);

  const levels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
  const levelRaw = (str('LOG_LEVEL') ?? 'info').toLowerCase();
  const logLevel = levels.find((l) => l === levelRaw);
  if (!logLevel) problems.push(`LOG_LEVEL must be one of ${levels.join(', ')}`);

  const host = demo ? '127.0.0.1' : str('HOST') ?? '0.0.0.0';
  if (demo && str('HOST') && !['127.0.0.1', 'localhost', '::1'].includes(str('HOST') ?? '')) {
    problems.push('HOST: without MicrosoftAppId MfaBot runs only in demo mode, bound to loopback; set MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId to listen elsewhere');
  }

  const config: Config = {
    demo,
    host,
    port: int('PORT', 3978, 0, 65535),
    simPort: int('SIM_PORT', 3979, 0, 65535),
    playgroundPort: int('PLAYGROUND_PORT', 3980, 0, 65535),
    tenantFile: str('MFABOT_TENANT_FILE') ?? null,
    bot,
    tenantId,
    graph: {
      baseUrl: graphUrl,
      auth,
      timeoutMs: int('MFABOT_GRAPH_TIMEOUT_MS', 10_000, 100, 120_000),
      maxRetries: int('MFABOT_GRAPH_MAX_RETRIES', 3, 0, 10),
    },
    roleIds,
    approverIds,
    approverGroupId: guid('MFABOT_APPROVER_GROUP'),
    breakGlassUserIds,
    exclusionGroupId,
    statusCacheSeconds: int('MFABOT_STATUS_CACHE_SECONDS', 60, 0, 86_400),
    policyStrengthId: guid('MFABOT_POLICY_STRENGTH_ID'),
    twoPersonRule: ['true', '1', 'yes'].includes(twoPersonRaw),
    proposalTtlHours: int('MFABOT_PROPOSAL_TTL_HOURS', 24, 1, 720),
    teamsAppId: teamsAppId?.toLowerCase() ?? null,
    nudgeWindowHours: int('MFABOT_NUDGE_WINDOW_HOURS', 24, 1, 720),
    nudgers: 'policy' in nudgers ? nudgers.policy : { kind: 'approvers' },
    digestHourUtc: int('MFABOT_DIGEST_HOUR_UTC', 8, 0, 23),
    digestWeekday: int('MFABOT_DIGEST_WEEKDAY', 1, 0, 6),
    schedulerIntervalMs: int('MFABOT_SCHEDULER_INTERVAL_MS', 60_000, 50, 3_600_000),
    storage: storage ?? 'file',
    dataDir: str('MFABOT_DATA_DIR') ?? '.mfabot-data',
    blob: blobConnection ? { connectionString: blobConnection, container: str('MFABOT_BLOB_CONTAINER') ?? 'mfabot' } : null,
    maxAdminsListed: int('MFABOT_MAX_ADMINS_LISTED', 15, 1, 50),
    logLevel: logLevel ?? 'info',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Values that must never appear in logs, cards or error messages. */
export function secretValues(config: Config): string[] {
  const out: string[] = [];
  if (config.bot?.password) out.push(config.bot.password);
  if (config.graph.auth.kind === 'secret') out.push(config.graph.auth.clientSecret);
  if (config.blob) {
    out.push(config.blob.connectionString);
    const key = /AccountKey=([^;]+)/i.exec(config.blob.connectionString)?.[1];
    if (key) out.push(key);
  }
  return out.filter((s) => s.length >= 4);
}
