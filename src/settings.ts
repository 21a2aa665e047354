/**
 * Every environment variable MfaBot reads, declared once: what it does (README's configuration table
 * is generated from these words), whether it is a secret (scrubbed from every log line) and how it is
 * parsed. `readSettings` parses all of them and reports every problem at once, by variable name.
 * Cross-variable rules (demo mode, which Graph credential applies) live in config.ts.
 */
import { z } from 'zod';
import { isGuid, parseRoleScope } from './domain/roles';
import { parseNudgers, type NudgerPolicy } from './domain/nudge';

/** An environment value as a setting sees it: trimmed, and undefined when unset. */
type Raw = string | undefined;

export interface Setting<T> {
  /** What it does, in the words of README's table. */
  doc: string;
  /** Never logged or shown: every log line is scrubbed of its value. */
  secret?: boolean;
  /** Reads the trimmed value (undefined when unset). */
  schema: z.ZodType<T, z.ZodTypeDef, Raw>;
}

const setting = <T>(doc: string, schema: z.ZodType<T, z.ZodTypeDef, Raw>, opts: { secret?: boolean } = {}): Setting<T> => ({ doc, schema, ...opts });

const fail = (ctx: z.RefinementCtx, message: string): typeof z.NEVER => {
  ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  return z.NEVER;
};

const raw = z.string().optional();

/** Text; blank counts as unset. */
const text = () => raw.transform((v) => (v ? v : undefined));

const int = (fallback: number, min: number, max: number) => raw.transform((v, ctx) => {
  if (!v) return fallback;
  const n = Number(v);
  return Number.isInteger(n) && n >= min && n <= max ? n : fail(ctx, `must be a whole number from ${min} to ${max} (got "${v}")`);
});

const oneOf = <T extends string>(values: readonly T[], fallback: T) => raw.transform((v, ctx) => {
  if (!v) return fallback;
  const found = values.find((x) => x.toLowerCase() === v.toLowerCase());
  return found ?? fail(ctx, `must be one of ${values.join(', ')} (got "${v}")`);
});

/** One of `values`, or undefined when unset (the default then depends on other settings). */
const maybeOneOf = <T extends string>(values: readonly T[]) => raw.transform((v, ctx): T | undefined => {
  if (!v) return undefined;
  const found = values.find((x) => x.toLowerCase() === v.toLowerCase());
  return found ?? fail(ctx, `must be one of ${values.join(', ')} (got "${v}")`);
});

const bool = (fallback: boolean) => raw.transform((v, ctx) => {
  if (!v) return fallback;
  const lower = v.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no'].includes(lower)) return false;
  return fail(ctx, 'must be true or false');
});

const guid = () => raw.transform((v, ctx) => {
  if (!v) return null;
  return isGuid(v) ? v.toLowerCase() : fail(ctx, `"${v}" is not an Entra object id (GUID)`);
});

/** Comma-separated GUIDs; null when unset (so a default may apply), [] when set but empty. */
const guids = () => raw.transform((v, ctx) => {
  if (v === undefined) return null;
  const ids = v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const bad = ids.filter((id) => !isGuid(id));
  return bad.length > 0 ? fail(ctx, bad.map((id) => `"${id}" is not an Entra object id (GUID)`).join('; ')) : ids.map((id) => id.toLowerCase());
});

const roles = () => raw.transform((v, ctx) => {
  try {
    return parseRoleScope(v || undefined);
  } catch (e) {
    return fail(ctx, (e as Error).message);
  }
});

const nudgers = () => raw.transform((v, ctx): NudgerPolicy => {
  const parsed = parseNudgers(v);
  return 'problem' in parsed ? fail(ctx, parsed.problem) : parsed.policy;
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The Bot Framework endpoint settings botbuilder reads: all seven or none. */
const endpoint = () => setting('Sovereign clouds or offline tests only: the seven Bot Framework endpoint settings botbuilder reads, set all together.', text());

export const SETTINGS = {
  MicrosoftAppId: setting('Azure Bot app (client) id. Unset = demo mode on loopback with the simulated tenant.', text()),
  MicrosoftAppPassword: setting('Azure Bot client secret (not needed with `UserAssignedMSI`).', text(), { secret: true }),
  MicrosoftAppType: setting('`SingleTenant` (default), `MultiTenant` or `UserAssignedMSI`.', oneOf(['SingleTenant', 'MultiTenant', 'UserAssignedMSI'] as const, 'SingleTenant')),
  MicrosoftAppTenantId: setting('Your Entra tenant id. Activities from any other tenant are refused.', guid()),
  ToChannelFromBotLoginUrl: endpoint(),
  ToChannelFromBotOAuthScope: endpoint(),
  ToBotFromChannelTokenIssuer: endpoint(),
  OAuthUrl: endpoint(),
  ToBotFromChannelOpenIdMetadataUrl: endpoint(),
  ToBotFromEmulatorOpenIdMetadataUrl: endpoint(),
  CallerId: endpoint(),
  MFABOT_GRAPH_CLIENT_ID: setting('App id used for Microsoft Graph (default: `MicrosoftAppId`).', text()),
  MFABOT_GRAPH_CLIENT_SECRET: setting('Client secret for Graph (default: `MicrosoftAppPassword`).', text(), { secret: true }),
  MFABOT_GRAPH_CERTIFICATE_PATH: setting('PEM file (certificate and private key) for Graph instead of a secret.', text()),
  MFABOT_GRAPH_MANAGED_IDENTITY: setting('`system`, or a user-assigned client id: use a managed identity for Graph.', text()),
  MFABOT_GRAPH_URL: setting('Graph base URL (default `https://graph.microsoft.com`). A loopback URL needs no credentials.', text()),
  MFABOT_GRAPH_TIMEOUT_MS: setting('Per-request Graph timeout (default 10000).', int(10_000, 100, 120_000)),
  MFABOT_GRAPH_MAX_RETRIES: setting('Retries on 429/503/504 and timeouts (default 3); writes are retried only on 429.', int(3, 0, 10)),
  MFABOT_WRITE_MODE: setting('How changes to the tenant are made: `delegated` (default with single sign-on, and in demo mode): with the approver\'s own identity, through Teams single sign-on and the on-behalf-of exchange, so MfaBot\'s app needs no write permission; or `application`: with MfaBot\'s app permissions.', maybeOneOf(['delegated', 'application'] as const)),
  MFABOT_SSO_CONNECTION: setting('The Azure Bot\'s OAuth connection for single sign-on (its Token Exchange URL is `api://botid-<MicrosoftAppId>`); Teams offers its sign-in when silent single sign-on is not possible. Setting it makes `delegated` the default write mode.', text()),
  MFABOT_LOGIN_URL: setting('Microsoft Entra login host for the on-behalf-of exchange (default `https://login.microsoftonline.com`; sovereign clouds differ).', text()),
  MFABOT_ROLES: setting('Roles in scope: `template` (default), `docs`, `scuba`, `seed`, or role template ids, comma-separated.', roles()),
  MFABOT_APPROVERS: setting('Entra object ids of approvers, comma-separated.', guids()),
  MFABOT_APPROVER_GROUP: setting('Group whose transitive members are approvers.', guid()),
  MFABOT_BREAK_GLASS: setting('Break-glass (emergency access) user ids, comma-separated. The policy MfaBot creates always excludes them.', guids()),
  MFABOT_EXCLUSION_GROUP: setting('Sanctioned exclusion groups (service accounts), comma-separated: members are reported as excluded on purpose, and the policy MfaBot creates excludes them.', guids()),
  MFABOT_POLICY_STRENGTH_ID: setting('Authentication strength the created policy requires instead of plain MFA (e.g. `00000000-0000-0000-0000-000000000004`, phishing-resistant).', guid()),
  MFABOT_TWO_PERSON_RULE: setting('`true`: an approver cannot approve their own request (default `false`).', bool(false)),
  MFABOT_PROPOSAL_TTL_HOURS: setting('How long an approval request stays open (default 24).', int(24, 1, 720)),
  MFABOT_TEAMS_APP_ID: setting('MfaBot\'s Teams app manifest id (`externalId` in your org app catalog), so nudges can install MfaBot for admins. Demo mode: the simulated catalog\'s id.', guid()),
  MFABOT_NUDGE_WINDOW_HOURS: setting('The same admin is nudged at most once per this many hours, whoever asks (default 24).', int(24, 1, 720)),
  MFABOT_NUDGERS: setting('Who may nudge admins: `approvers` (default), `anyone`, or Entra object ids, comma-separated.', nudgers()),
  MFABOT_DIGEST_HOUR_UTC: setting('Hour (UTC, 0-23) at which subscribed channels get their digest (default 8).', int(8, 0, 23)),
  MFABOT_DIGEST_WEEKDAY: setting('Day of the weekly digest, 0 = Sunday … 6 = Saturday (default 1, Monday).', int(1, 0, 6)),
  MFABOT_SCHEDULER_INTERVAL_MS: setting('Tests only: how often each instance looks for due digests, re-checks and queued nudges (default 60000).', int(60_000, 50, 3_600_000)),
  MFABOT_STORAGE: setting('`file` (default), `blob` (Azure Blob Storage, for several instances) or `memory` (tests only).', oneOf(['file', 'blob', 'memory'] as const, 'file')),
  MFABOT_DATA_DIR: setting('Folder of the file store (default `.mfabot-data`).', text()),
  MFABOT_BLOB_CONNECTION_STRING: setting('Azure Storage connection string for `MFABOT_STORAGE=blob`.', text(), { secret: true }),
  MFABOT_BLOB_CONTAINER: setting('Blob container for `MFABOT_STORAGE=blob` (default `mfabot`).', text()),
  MFABOT_STATUS_CACHE_SECONDS: setting('How long one Graph read serves other conversations (default 60; Refresh bypasses it).', int(60, 0, 86_400)),
  MFABOT_MAX_ADMINS_LISTED: setting('Unregistered admins listed by name on the card (default 15; the rest are counted).', int(15, 1, 50)),
  MFABOT_TENANT_FILE: setting('Demo mode: tenant fixture for the simulator (default: the built-in Contoso tenant).', text()),
  PORT: setting('Bot port (default 3978).', int(3978, 0, 65535)),
  HOST: setting('Bind address (default 0.0.0.0; demo mode: always 127.0.0.1).', text()),
  SIM_PORT: setting('Demo mode: simulator port (default 3979).', int(3979, 0, 65535)),
  PLAYGROUND_PORT: setting('Demo mode: port of the browser playground (default 3980).', int(3980, 0, 65535)),
  LOG_LEVEL: setting('`info` by default (or `fatal`, `error`, `warn`, `debug`, `trace`, `silent`); logs are JSON lines with the activity id, conversation id and Graph `request-id`.', oneOf(LOG_LEVELS, 'info')),
} as const;

export type SettingName = keyof typeof SETTINGS;
export type Settings = { [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };

/** The settings of `env`, and every problem with them as "NAME: what is wrong". */
export function readSettings(env: Readonly<Record<string, string | undefined>>): { values: Settings; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(SETTINGS) as [SettingName, Setting<unknown>][]) {
    const parsed = spec.schema.safeParse(env[name]?.trim());
    if (parsed.success) values[name] = parsed.data;
    else problems.push(...parsed.error.issues.map((i) => `${name}: ${i.message}`));
  }
  return { values: values as Settings, problems };
}

/** Names of the secret settings. */
export const SECRET_SETTINGS: readonly SettingName[] = (Object.keys(SETTINGS) as SettingName[]).filter((k) => (SETTINGS[k] as Setting<unknown>).secret);

/** README's configuration table, generated from the declarations above (`npm run docs`). */
export function settingsTable(): string {
  // Settings declared one after the other with the same words share a row.
  const rows: { names: string[]; doc: string }[] = [];
  for (const name of Object.keys(SETTINGS) as SettingName[]) {
    const { doc } = SETTINGS[name];
    const last = rows[rows.length - 1];
    if (last?.doc === doc) last.names.push(name);
    else rows.push({ names: [name], doc });
  }
  return ['| variable | meaning |', '|---|---|', ...rows.map((r) => `| ${r.names.map((n) => `\`${n}\``).join(', ')} | ${r.doc} |`)].join('\n');
}
