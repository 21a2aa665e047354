/**
 * Configuration: parsed once from the environment into a frozen, typed object. Each variable is
 * declared once, in settings.ts; here are the rules between them (demo mode, which Graph credential
 * applies). Every problem is reported at once, by variable name, so a misconfigured deployment fails
 * at start, not mid-click.
 */
import type { NudgerPolicy } from './domain/nudge';
import { readSettings, SECRET_SETTINGS, SETTINGS, type SettingName, type Settings } from './settings';

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
  /** Demo mode: no Microsoft app credentials; bot and simulator on loopback (README, "Security model"). */
  demo: boolean;
  /** MFABOT_GRAPH_URL was given: in demo mode, the simulator to use instead of starting one. */
  graphUrlGiven: boolean;
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
  /** How changes to the tenant are made (README, "Changes with the approver's own identity"). */
  writes: WriteSettings;
  roleIds: string[];
  approverIds: string[];
  approverGroupId: string | null;
  breakGlassUserIds: string[];
  /** Sanctioned exclusion groups (service accounts): the policy MfaBot creates excludes them. */
  exclusionGroupIds: string[];
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

/**
 * `delegated`: changes run with the approver's own identity (Teams single sign-on, then the
 * on-behalf-of exchange), so MfaBot's app holds no write permission; `application`: with the app's.
 */
export interface WriteSettings {
  mode: 'delegated' | 'application';
  /**
   * Delegated mode against Microsoft Entra ID: the app that receives the single sign-on token and
   * exchanges it. Null in demo mode, where the simulated tenant is the identity provider.
   */
  sso: { clientId: string; clientSecret: string; resource: string; authorityHost: string; connectionName: string | null } | null;
}

/** One documented variable: how people configure MfaBot. */
export interface ConfigKey {
  name: SettingName;
  description: string;
  secret?: boolean;
}

/** Every variable MfaBot reads, from the declarations in settings.ts. */
export const CONFIG_KEYS: readonly ConfigKey[] = (Object.keys(SETTINGS) as SettingName[]).map((name) => ({
  name, description: SETTINGS[name].doc, ...(SECRET_SETTINGS.includes(name) ? { secret: true } : {}),
}));

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

/** Defaults demo mode supplies for the built-in tenant (its approvers, break-glass accounts, exclusion group). */
export type DemoDefaults = Partial<Pick<Config, 'approverIds' | 'breakGlassUserIds' | 'exclusionGroupIds'>>;

/**
 * Reads the configuration. `demoDefaults` apply only to the built-in demo tenant: demo mode with
 * neither MFABOT_TENANT_FILE nor MFABOT_GRAPH_URL, and only to variables left unset.
 */
export function loadConfig(env: Env = process.env, demoDefaults: DemoDefaults = {}): Config {
  const { values: v, problems } = readSettings(env);
  const demo = v.MicrosoftAppId === undefined;
  const builtInDemo = demo && !v.MFABOT_TENANT_FILE && !v.MFABOT_GRAPH_URL;
  const defaults = builtInDemo ? demoDefaults : {};
  const bot = botAuth(v, problems);
  const graph = graphSettings(v, demo, problems);
  // Demo mode proper: no app id and no Graph credential (the tools read a real tenant without an app id).
  const writes = writeSettings(v, demo && graph.auth.kind === 'none', problems);
  if (v.MFABOT_STORAGE === 'blob' && !v.MFABOT_BLOB_CONNECTION_STRING) problems.push('MFABOT_BLOB_CONNECTION_STRING is required when MFABOT_STORAGE=blob');
  const hostAsked = v.HOST;
  if (demo && hostAsked && !['127.0.0.1', 'localhost', '::1'].includes(hostAsked)) {
    problems.push('HOST: without MicrosoftAppId MfaBot runs only in demo mode, bound to loopback; set MicrosoftAppId, MicrosoftAppPassword and MicrosoftAppTenantId to listen elsewhere');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze<Config>({
    demo,
    graphUrlGiven: v.MFABOT_GRAPH_URL !== undefined,
    host: demo ? '127.0.0.1' : hostAsked ?? '0.0.0.0',
    port: v.PORT,
    simPort: v.SIM_PORT,
    playgroundPort: v.PLAYGROUND_PORT,
    tenantFile: v.MFABOT_TENANT_FILE ?? null,
    bot,
    tenantId: v.MicrosoftAppTenantId,
    graph,
    writes,
    roleIds: v.MFABOT_ROLES,
    approverIds: v.MFABOT_APPROVERS ?? [...(defaults.approverIds ?? [])],
    approverGroupId: v.MFABOT_APPROVER_GROUP,
    breakGlassUserIds: v.MFABOT_BREAK_GLASS ?? [...(defaults.breakGlassUserIds ?? [])],
    exclusionGroupIds: v.MFABOT_EXCLUSION_GROUP ?? [...(defaults.exclusionGroupIds ?? [])],
    statusCacheSeconds: v.MFABOT_STATUS_CACHE_SECONDS,
    policyStrengthId: v.MFABOT_POLICY_STRENGTH_ID,
    twoPersonRule: v.MFABOT_TWO_PERSON_RULE,
    proposalTtlHours: v.MFABOT_PROPOSAL_TTL_HOURS,
    teamsAppId: v.MFABOT_TEAMS_APP_ID,
    nudgeWindowHours: v.MFABOT_NUDGE_WINDOW_HOURS,
    nudgers: v.MFABOT_NUDGERS,
    digestHourUtc: v.MFABOT_DIGEST_HOUR_UTC,
    digestWeekday: v.MFABOT_DIGEST_WEEKDAY,
    schedulerIntervalMs: v.MFABOT_SCHEDULER_INTERVAL_MS,
    storage: v.MFABOT_STORAGE,
    dataDir: v.MFABOT_DATA_DIR ?? '.mfabot-data',
    blob: v.MFABOT_BLOB_CONNECTION_STRING ? { connectionString: v.MFABOT_BLOB_CONNECTION_STRING, container: v.MFABOT_BLOB_CONTAINER ?? 'mfabot' } : null,
    maxAdminsListed: v.MFABOT_MAX_ADMINS_LISTED,
    logLevel: v.LOG_LEVEL,
  });
}

/** The Azure Bot's credentials; null in demo mode. */
function botAuth(v: Settings, problems: string[]): BotAuth | null {
  const endpointValues = BOT_ENDPOINT_KEYS.map((k) => [k, v[k]] as const);
  const set = endpointValues.filter(([, value]) => value !== undefined);
  let endpoints: Record<BotEndpointKey, string> | null = null;
  if (set.length > 0 && set.length < BOT_ENDPOINT_KEYS.length) {
    problems.push(`Bot Framework endpoint settings must be set all together or not at all; missing: ${endpointValues.filter(([, value]) => value === undefined).map(([k]) => k).join(', ')}`);
  } else if (set.length === BOT_ENDPOINT_KEYS.length) {
    endpoints = Object.fromEntries(endpointValues) as Record<BotEndpointKey, string>;
  }
  if (v.MicrosoftAppId === undefined) return null;
  if (!v.MicrosoftAppTenantId) problems.push('MicrosoftAppTenantId is required when MicrosoftAppId is set: MfaBot serves exactly one tenant');
  const password = v.MicrosoftAppPassword ?? null;
  if (v.MicrosoftAppType !== 'UserAssignedMSI' && !password) problems.push('MicrosoftAppPassword is required unless MicrosoftAppType is UserAssignedMSI');
  return { appId: v.MicrosoftAppId, appType: v.MicrosoftAppType, tenantId: v.MicrosoftAppTenantId ?? '', password, endpoints };
}

/** Delegated by default with single sign-on configured, and on the simulated tenant (which signs users in itself). */
function writeSettings(v: Settings, simulated: boolean, problems: string[]): WriteSettings {
  const mode = v.MFABOT_WRITE_MODE ?? (simulated || v.MFABOT_SSO_CONNECTION ? 'delegated' : 'application');
  if (mode === 'application' || simulated) return { mode, sso: null };
  if (!v.MicrosoftAppId || !v.MicrosoftAppPassword) {
    problems.push('MFABOT_WRITE_MODE=delegated needs MicrosoftAppId and MicrosoftAppPassword: the approver\'s sign-in is exchanged on their behalf by MfaBot\'s app registration (or set MFABOT_WRITE_MODE=application)');
    return { mode, sso: null };
  }
  return {
    mode,
    sso: {
      clientId: v.MicrosoftAppId, clientSecret: v.MicrosoftAppPassword, resource: `api://botid-${v.MicrosoftAppId}`,
      authorityHost: (v.MFABOT_LOGIN_URL ?? 'https://login.microsoftonline.com').replace(/\/+$/, ''), connectionName: v.MFABOT_SSO_CONNECTION ?? null,
    },
  };
}

/** Where Graph is and which credential reaches it: a loopback Graph (the simulator) gets no real token. */
function graphSettings(v: Settings, demo: boolean, problems: string[]): Config['graph'] {
  const baseUrl = (v.MFABOT_GRAPH_URL ?? 'https://graph.microsoft.com').replace(/\/+$/, '');
  try {
    if (new URL(baseUrl).protocol !== 'https:' && !isLoopbackUrl(baseUrl)) problems.push('MFABOT_GRAPH_URL must be https (plain http only on loopback)');
  } catch {
    problems.push(`MFABOT_GRAPH_URL is not a URL: "${baseUrl}"`);
  }
  const clientId = v.MFABOT_GRAPH_CLIENT_ID ?? v.MicrosoftAppId;
  const secret = v.MFABOT_GRAPH_CLIENT_SECRET ?? (v.MFABOT_GRAPH_CLIENT_ID ? undefined : v.MicrosoftAppPassword);
  const tenantId = v.MicrosoftAppTenantId;
  const mi = v.MFABOT_GRAPH_MANAGED_IDENTITY;
  let auth: GraphAuth = { kind: 'none' };
  if (isLoopbackUrl(baseUrl)) auth = { kind: 'none' };
  else if (mi) auth = { kind: 'managedIdentity', clientId: mi.toLowerCase() === 'system' ? null : mi };
  else if (v.MFABOT_GRAPH_CERTIFICATE_PATH && clientId && tenantId) auth = { kind: 'certificate', tenantId, clientId, certificatePath: v.MFABOT_GRAPH_CERTIFICATE_PATH };
  else if (secret && clientId && tenantId) auth = { kind: 'secret', tenantId, clientId, clientSecret: secret };
  // Demo mode points Graph at the simulator once it has started (index.ts).
  if (auth.kind === 'none' && !isLoopbackUrl(baseUrl) && !(demo && v.MFABOT_GRAPH_URL === undefined)) {
    problems.push('no Graph credentials: set MFABOT_GRAPH_CLIENT_SECRET (or MicrosoftAppPassword), MFABOT_GRAPH_CERTIFICATE_PATH or MFABOT_GRAPH_MANAGED_IDENTITY, with MicrosoftAppTenantId');
  }
  return { baseUrl, auth, timeoutMs: v.MFABOT_GRAPH_TIMEOUT_MS, maxRetries: v.MFABOT_GRAPH_MAX_RETRIES };
}

/** The bot's configuration: as loadConfig, and demo mode refuses anything that reaches a real tenant. */
export function loadBotConfig(env: Env = process.env, demoDefaults: DemoDefaults = {}): Config {
  const unsafeDemo = demoModeProblem(env);
  if (unsafeDemo) throw new ConfigError([unsafeDemo]);
  return loadConfig(env, demoDefaults);
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
