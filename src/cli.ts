/**
 * The `mfabot` command (README, "The mfabot command"). It runs the bot's own gateway and domain code, so an audit
 * from the command line and a status card in Teams always agree.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ConditionalAccessPolicy } from '@microsoft/microsoft-graph-types';
import type { NamedLocationInput } from './domain/signInSpace';
import { evaluatePolicies, NO_POLICY_REASON } from './domain/coverage';
import { adminGapGroups, adminGapSentence, adminGroupSentence, policyGapGroups } from './domain/gapGroups';
import { listWords } from './domain/signInSpace';
import { policyShapeProblem } from './domain/policyShape';
import { isGuid, parseRoleScope, roleInfo } from './domain/roles';
import type { StatusReport } from './domain/report';
import { buildStatusReport } from './domain/status';
import { isLoopbackUrl, isMicrosoftGraphHost, loadConfig } from './config';
import { createGraphClient } from './graph/client';
import { GraphTenantGateway } from './graph/gateway';
import { GraphFailure } from './graph/errors';
import { silentLogger } from './log';
import { loadFixtureFile } from './sim/fixture';
import { decodeJsonText } from './sim/util';
import { demoTenant } from './sim/demo';
import { generateTenant } from './sim/generate';
import { GRAPH_FAULT_NAMES, isGraphFaultName, startSimulator } from './sim/server';
import { allPermissions } from './graph/permissions';
import { runDoctor } from './doctor';

/** Built-in authentication strengths that require MFA (the coverage rules know them themselves). */
export { BUILT_IN_MFA_STRENGTH_IDS } from './domain/policyRegion';

export class UsageError extends Error {}

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Record<string, string | undefined>;
  /** `mfabot sim` serves until this settles (default: SIGINT or SIGTERM). */
  until?: Promise<void>;
}

const USAGE = `usage:
  mfabot check-policies FILE [--roles ID,...|LIST] [--break-glass ID,...] [--exclusion-group ID,...] [--named-locations FILE]
  mfabot status [--tenant FIXTURE | --graph-url URL] [--json] [--roles ...] [--break-glass ...] [--exclusion-group ID,...]
  mfabot sim [--tenant FIXTURE | --users N --admins M --seed S] [--latency-ms L] [--port P]
             [--grant PERM,...] [--fault NAME[,NAME...]]   (faults: ${GRAPH_FAULT_NAMES.join(', ')})
  mfabot doctor [--graph-url URL] [--features status,policy,pim,nudge,signInImpact] [--json]`;

function ids(value: string | undefined, flag: string): string[] {
  const list = (value ?? '').split(',').map((v) => v.trim()).filter((v) => v.length > 0);
  for (const id of list) if (!isGuid(id)) throw new UsageError(`${flag}: "${id}" is not a GUID`);
  return list.map((v) => v.toLowerCase());
}

/** A JSON file's content, or a usage error naming the file. */
function readJsonFile(file: string): unknown {
  let text: string;
  try {
    text = decodeJsonText(readFileSync(file));
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
  }
}

/** The items of a Graph list response (`{"value":[...]}`) or a bare array; null for anything else. */
function listItems(json: unknown): unknown[] | null {
  if (Array.isArray(json)) return json;
  if (json && typeof json === 'object' && Array.isArray((json as { value?: unknown }).value)) return (json as { value: unknown[] }).value;
  return null;
}

const hasNextLink = (json: unknown): boolean =>
  !!json && typeof json === 'object' && !Array.isArray(json) && typeof (json as Record<string, unknown>)['@odata.nextLink'] === 'string';

/**
 * The policies of an export. A policy that cannot be read is reported in `warnings` and left out
 * (leaving a policy out can only lose coverage, never invent it); the file is refused only when it
 * has policies and none of them can be read.
 */
function readPolicies(file: string, warnings: string[]): ConditionalAccessPolicy[] {
  const json = readJsonFile(file);
  const list = listItems(json);
  if (!list) throw new UsageError(`${file} must be a Graph list response ({"value":[...]}) or an array of conditionalAccessPolicy`);
  if (hasNextLink(json)) {
    warnings.push(`${file} has @odata.nextLink: it is one page of a longer list, and only the policies on this page were judged.`);
  }
  const readable: ConditionalAccessPolicy[] = [];
  const problems: string[] = [];
  list.forEach((p, i) => {
    const problem = policyShapeProblem(p, { emptyConditionArrays: true });
    if (!problem) {
      readable.push(p as ConditionalAccessPolicy);
      return;
    }
    const id = (p as { id?: unknown } | null)?.id;
    problems.push(`policy #${i + 1}${typeof id === 'string' ? ` (${id})` : ''} ${problem}`);
  });
  if (list.length > 0 && readable.length === 0) throw new UsageError(`${file}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more unreadable)` : ''}`);
  for (const problem of problems) warnings.push(`${file}: ${problem}; it was not judged.`);
  return readable;
}

/** Named locations (Graph ipNamedLocation / countryNamedLocation), for which are trusted. */
function readNamedLocations(file: string): NamedLocationInput[] {
  const list = listItems(readJsonFile(file));
  if (!list || !list.every((l) => l !== null && typeof l === 'object' && typeof (l as { id?: unknown }).id === 'string')) {
    throw new UsageError(`${file} must be a Graph list response ({"value":[...]}) or an array of namedLocation, each with an id`);
  }
  return list as NamedLocationInput[];
}

interface Scope {
  roleIds: string[];
  /** Declared break-glass ids: users or groups. */
  breakGlassUserIds: string[];
  /** The first declared exclusion group, for the parts of MfaBot that take one. */
  exclusionGroupId: string | null;
  exclusionGroupIds: string[];
}

/** The scope flags; each may be given more than once (`--break-glass A --break-glass B` declares both). */
const SCOPE_OPTIONS = {
  roles: { type: 'string', multiple: true },
  'break-glass': { type: 'string', multiple: true },
  'exclusion-group': { type: 'string', multiple: true },
} as const;

type ScopeValues = { roles?: string[]; 'break-glass'?: string[]; 'exclusion-group'?: string[] };

/** Repeated list flags add up; a flag not given falls back to the environment. */
const joined = (values: string[] | undefined, fallback: string | undefined): string | undefined => (values ? values.join(',') : fallback);

function scopeFrom(values: ScopeValues, env: CliIO['env']): Scope {
  let roleIds: string[];
  try {
    roleIds = parseRoleScope(joined(values.roles, env.MFABOT_ROLES));
  } catch (err) {
    throw new UsageError(`--roles: ${(err as Error).message}`);
  }
  const groups = [...new Set(ids(joined(values['exclusion-group'], env.MFABOT_EXCLUSION_GROUP), '--exclusion-group'))];
  return {
    roleIds,
    breakGlassUserIds: [...new Set(ids(joined(values['break-glass'], env.MFABOT_BREAK_GLASS), '--break-glass'))],
    exclusionGroupId: groups[0] ?? null,
    exclusionGroupIds: groups,
  };
}

async function checkPolicies(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...SCOPE_OPTIONS, 'named-locations': { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('check-policies takes exactly one FILE');
  const warnings: string[] = [];
  const policies = readPolicies(positionals[0] as string, warnings);
  const namedLocations = values['named-locations'] ? readNamedLocations(values['named-locations']) : undefined;
  const scope = scopeFrom(values, io.env);
  const report = evaluatePolicies(policies, { ...scope, namedLocations });
  io.stdout(`${JSON.stringify({ ...report, warnings: [...warnings, ...report.warnings] }, null, 2)}\n`);
  return report.covered ? 0 : 1;
}

/** A role's display name as the report has it. */
function reportRoleName(report: StatusReport): (roleId: string) => string {
  const names = new Map(report.roles.map((r) => [r.roleId, r.displayName]));
  return (roleId) => names.get(roleId) ?? roleInfo(roleId).displayName;
}

function reportRoleRank(report: StatusReport): (roleId: string) => number {
  const ranks = new Map(report.roles.map((r) => [r.roleId, r.rank]));
  return (roleId) => ranks.get(roleId) ?? roleInfo(roleId).rank;
}

/**
 * The `status --json` document (README, "The mfabot command"). Per admin, `caCovered` and `unprotectedSignIn`, and
 * beside them: `caGap` (the gap in one sentence), `caEvaluatedAsActivated` (eligible roles judged as
 * if activated), `caExclusion` (the declared break-glass or exclusion id that leaves them out on
 * purpose) and `caUncertainGroups` (groups whose members could not all be read, which the verdict
 * did not count on). `registrationSource` says where `mfaRegistered` came from (the registration
 * report, or each admin's authentication methods where the licence keeps the report closed), and
 * `pimActivation` has one entry per role in scope: whether activating it in PIM demands MFA, and how.
 */
export function statusJson(report: StatusReport) {
  const roleName = reportRoleName(report);
  const rank = reportRoleRank(report);
  return {
    tenantId: report.tenantId,
    tenantName: report.tenantName,
    admins: report.admins.map((a) => ({
      id: a.id,
      userPrincipalName: a.userPrincipalName,
      displayName: a.displayName,
      roles: a.roles.map((r) => ({ roleId: r.roleId, activation: r.activation, via: r.via, ...(r.groupId ? { groupId: r.groupId } : {}) })),
      mfaRegistered: a.mfaRegistered,
      caCovered: a.ca?.caCovered ?? false,
      unprotectedSignIn: a.ca?.unprotectedSignIn ?? null,
      caGap: adminGapSentence(a, roleName, rank),
      caEvaluatedAsActivated: a.ca?.evaluatedAsActivated ?? [],
      caExclusion: a.ca?.sanctionedExclusion ?? null,
      caUncertainGroups: a.ca?.uncertainGroups ?? [],
    })),
    servicePrincipals: report.servicePrincipals,
    totals: report.totals,
    caTotals: { covered: report.adminCa.covered, uncovered: report.adminCa.uncovered, excluded: report.adminCa.excluded },
    policy: report.policy,
    securityDefaultsEnabled: report.securityDefaultsEnabled,
    licence: report.licence,
    secureScore: report.secureScore,
    registrationSource: report.registrationSource,
    pimActivation: report.pimActivation.map((v) => ({ roleId: v.roleId, requiresMfa: v.requiresMfa, how: v.how })),
    caveats: report.caveats,
    graphRequests: report.graphRequests,
  };
}

/** Up to this many admins are named in each gap line of the text output; the rest are counted. */
const NAMES_PER_GAP = 5;

/**
 * The Conditional Access part of `mfabot status`, grouped as the status card groups it: admins who
 * can sign in without MFA the same way in one line, then the roles' gaps policy by policy.
 */
function conditionalAccessText(report: StatusReport): string[] {
  const roleName = reportRoleName(report);
  const rank = reportRoleRank(report);
  const ca = report.adminCa;
  const lines = [
    `Conditional Access: ${ca.covered} of ${report.totals.admins} admins must use MFA on every sign-in; ${ca.uncovered} can sign in without MFA${ca.excluded > 0 ? `; ${ca.excluded} left out on purpose` : ''}${report.securityDefaultsEnabled === true && ca.uncovered > 0 ? ' (security defaults, which are on, require MFA of admins instead)' : ''}.`,
  ];
  for (const group of adminGapGroups(report, rank)) {
    lines.push(`  ${group.admins.length === 1 ? '1 admin' : `${group.admins.length} admins`}: ${adminGroupSentence(group, NAMES_PER_GAP, roleName, rank)}`);
  }
  const excluded = report.admins.filter((a) => a.ca?.caCovered === 'excluded');
  if (excluded.length > 0) {
    const names = excluded.slice(0, NAMES_PER_GAP).map((a) => `${a.displayName} (${a.ca?.sanctionedExclusion?.kind === 'breakGlass' ? 'break-glass' : 'exclusion group'})`);
    lines.push(`  Left out on purpose: ${listWords([...names, ...(excluded.length > names.length ? [`${excluded.length - names.length} more`] : [])])}.`);
  }
  if (report.admins.some((a) => (a.ca?.evaluatedAsActivated.length ?? 0) > 0)) {
    lines.push('  PIM-eligible admins are judged as if they had activated their roles: Conditional Access sees a role only while it is active.');
  }
  const uncovered = report.policy.roles.filter((r) => !r.covered);
  lines.push(`Roles: Conditional Access enforces MFA for ${report.policy.roles.length - uncovered.length} of ${report.policy.roles.length} admin roles in scope${uncovered.length > 0 ? '. Why, policy by policy:' : '.'}`);
  const policyNames = new Map(Object.entries(report.policyNames ?? {}));
  for (const group of policyGapGroups(uncovered, NO_POLICY_REASON)) {
    const roles = group.roleIds.length === uncovered.length && uncovered.length > 1 ? `all ${uncovered.length} uncovered roles` : group.roleIds.map(roleName).join(', ');
    lines.push(group.policyId
      ? `  ${policyNames.get(group.policyId) ?? `policy ${group.policyId}`}: ${group.reason} (${roles})`
      : `  No policy: ${group.reason} (${roles})`);
  }
  return lines;
}

/** PIM activation per role, roles alike in one line: demands MFA, and how; does not, and why. */
function pimText(report: StatusReport): string[] {
  const roleName = reportRoleName(report);
  if (report.pimActivation.every((v) => v.requiresMfa === null)) return [`PIM activation: unknown (${report.pimActivation[0]?.reason ?? 'no roles in scope'}).`];
  const lines = ['PIM activation:'];
  const byReason = new Map<string, string[]>();
  for (const v of report.pimActivation) byReason.set(v.reason, [...(byReason.get(v.reason) ?? []), roleName(v.roleId)]);
  for (const [reason, roles] of byReason) lines.push(`  ${roles.join(', ')}: ${reason}.`);
  return lines;
}

function statusText(report: StatusReport): string {
  const t = report.totals;
  const lines = [
    `${report.tenantName ?? report.tenantId}: ${t.registered} of ${t.admins} admins are registered for MFA (${t.unregistered} not registered, ${t.unknown} unknown).`,
    ...conditionalAccessText(report),
  ];
  const missing = report.admins.filter((a) => a.mfaRegistered !== true);
  if (missing.length > 0) lines.push('Not registered (or unknown):');
  for (const a of missing) {
    const roles = a.roles.map((r) => `${roleInfo(r.roleId).displayName}${r.activation === 'eligible' ? ' (eligible)' : ''}${r.via === 'group' ? ' (via group)' : ''}`);
    lines.push(`  ${a.userPrincipalName}${a.mfaRegistered === null ? ' [unknown]' : ''}: ${[...new Set(roles)].join(', ')}`);
  }
  lines.push(...pimText(report));
  if (report.registrationSource === 'authenticationMethods') lines.push('Registration: from each admin\'s authentication methods (the registration report needs Entra ID P1 or P2).');
  lines.push(`Licence: ${report.licence ?? 'unknown'}; security defaults: ${report.securityDefaultsEnabled === null ? 'unknown' : report.securityDefaultsEnabled ? 'on' : 'off'}.`);
  for (const c of report.caveats) lines.push(`Caveat: ${c.message}`);
  for (const a of report.advice) lines.push(`- ${a.text}`);
  lines.push(`Graph requests: ${report.graphRequests}`);
  return `${lines.join('\n')}\n`;
}

async function status(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' }, 'graph-url': { type: 'string' }, json: { type: 'boolean' },
      ...SCOPE_OPTIONS,
    },
  });
  if (values.tenant && values['graph-url']) throw new UsageError('use either --tenant or --graph-url, not both');
  const scope = scopeFrom(values, io.env);
  const logger = silentLogger();

  let gateway: GraphTenantGateway;
  let stop: () => Promise<void> = async () => undefined;
  /** A Graph-compatible server without credentials: the simulator, or one given by URL. */
  const unauthenticated = (baseUrl: string) => new GraphTenantGateway({
    client: createGraphClient({ baseUrl, credential: null, timeoutMs: 15_000, maxRetries: 3, logger }), baseUrl, tenantId: null,
  });
  if (values.tenant) {
    const tenant = loadFixtureFile(values.tenant);
    const sim = await startSimulator({ tenant, port: 0, host: '127.0.0.1' });
    gateway = unauthenticated(sim.url);
    stop = () => sim.close();
  } else if (values['graph-url']) {
    const url = values['graph-url'].replace(/\/+$/, '');
    if (isMicrosoftGraphHost(url)) throw new UsageError('--graph-url is for Graph-compatible servers such as the simulator; for Microsoft Graph configure credentials and omit it');
    if (!isLoopbackUrl(url) && !url.startsWith('https://')) throw new UsageError('--graph-url must be https, or http on loopback');
    gateway = unauthenticated(url);
  } else {
    const config = loadConfig(io.env);
    if (config.graph.auth.kind === 'none' && !isLoopbackUrl(config.graph.baseUrl)) {
      throw new UsageError('no Graph credentials configured: set MicrosoftAppTenantId and MFABOT_GRAPH_CLIENT_ID with a secret, certificate or managed identity, or use --tenant FIXTURE');
    }
    // The bot's own Graph client and gateway, as the composition root builds them (loaded only here:
    // the root brings the Bot Framework SDK, which the offline commands do not need).
    const { buildGraph } = await import('./compose');
    ({ gateway } = buildGraph(config, logger));
  }

  try {
    const facts = await gateway.readTenant({ roleIds: scope.roleIds, breakGlassIds: scope.breakGlassUserIds, exclusionGroupIds: scope.exclusionGroupIds });
    const report = buildStatusReport(facts, scope, new Date());
    io.stdout(values.json ? `${JSON.stringify(statusJson(report), null, 2)}\n` : statusText(report));
    return 0;
  } finally {
    await stop();
  }
}

async function sim(args: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      tenant: { type: 'string' }, users: { type: 'string' }, admins: { type: 'string' }, seed: { type: 'string' },
      'latency-ms': { type: 'string' }, port: { type: 'string' },
      grant: { type: 'string', multiple: true }, fault: { type: 'string', multiple: true },
    },
  });
  const list = (values: string[] | undefined): string[] => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
  const faults = list(values.fault);
  const unknown = faults.filter((f) => !isGraphFaultName(f));
  if (unknown.length > 0) throw new UsageError(`--fault: unknown fault ${unknown.map((f) => `"${f}"`).join(', ')} (known: ${GRAPH_FAULT_NAMES.join(', ')})`);
  const grants = values.grant === undefined ? allPermissions() : list(values.grant);
  const num = (v: string | undefined, flag: string, fallback: number, max: number): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`${flag} must be a whole number from 0 to ${max}`);
    return n;
  };
  if (values.tenant && (values.users || values.admins)) throw new UsageError('use either --tenant or --users/--admins, not both');
  const tenant = values.tenant
    ? loadFixtureFile(values.tenant)
    : values.users || values.admins
      ? generateTenant({ users: num(values.users, '--users', 1000, 1_000_000), admins: num(values.admins, '--admins', 50, 100_000), seed: num(values.seed, '--seed', 1, 2 ** 31) })
      : demoTenant();
  const server = await startSimulator({
    tenant,
    adoptTenant: true,
    port: num(values.port, '--port', 3979, 65535),
    host: '127.0.0.1',
    latencyMs: num(values['latency-ms'], '--latency-ms', 0, 60_000),
    grantedPermissions: grants,
    graphFaults: faults.filter(isGraphFaultName),
  });
  io.stdout(`${server.url}\n`);
  await (io.until ?? new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  }));
  await server.close();
  return 0;
}

/** What each command does, for `mfabot COMMAND --help`. */
const COMMAND_HELP: Readonly<Record<string, string>> = {
  'check-policies': `usage: mfabot check-policies FILE [--roles ID,...|LIST] [--break-glass ID,...] [--exclusion-group ID,...] [--named-locations FILE]

Judges an exported set of Conditional Access policies offline: does every admin role in scope have
MFA enforced? FILE is a Graph list response ({"value": [...]}) or a bare array of policies. Prints JSON;
exits 0 when every role is covered, 1 when not, 2 on bad input.`,
  status: `usage: mfabot status [--tenant FIXTURE | --graph-url URL] [--json] [--roles ...] [--break-glass ...] [--exclusion-group ...]

Reads a tenant as the bot does and prints who is an admin, who is registered for MFA and whether
Conditional Access enforces it. --tenant runs the simulator on a fixture; --graph-url reads any
Graph-compatible server (not Microsoft's); with neither, the configured credentials reach your tenant.`,
  sim: `usage: mfabot sim [--tenant FIXTURE | --users N --admins M --seed S] [--latency-ms L] [--port P]
                  [--grant PERM,...] [--fault NAME[,NAME...]]

Runs the simulated tenant alone and prints its base URL. --grant sets the application permissions its
tokens carry; --fault turns on a documented-but-unverified Graph behaviour (${GRAPH_FAULT_NAMES.join(', ')}).`,
  doctor: `usage: mfabot doctor [--graph-url URL] [--features status,policy,pim,nudge,signInImpact] [--json]

Checks the Graph permissions MfaBot's app holds and says, per feature, which are missing and where to
grant them.`,
};

/** The version in package.json. */
function version(): string {
  const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: string };
  return pkg.version ?? 'unknown';
}

/** Runs a command; returns the exit code (0 ok/covered, 1 not covered, 2 bad input). */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === '-V' || command === 'version') {
    io.stdout(`mfabot ${version()}\n`);
    return 0;
  }
  const help = command ? COMMAND_HELP[command] : undefined;
  if (help && (rest.includes('--help') || rest.includes('-h'))) {
    io.stdout(`${help}\n`);
    return 0;
  }
  try {
    switch (command) {
      case 'check-policies':
        return await checkPolicies(rest, io);
      case 'status':
        return await status(rest, io);
      case 'sim':
        return await sim(rest, io);
      case 'doctor':
        return await runDoctor(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`mfabot: ${err.message}\n`);
      return 2;
    }
    if (err instanceof GraphFailure) {
      io.stderr(`mfabot: ${err.message}${err.details.requestId ? ` (request-id ${err.details.requestId})` : ''}\n`);
      return 3;
    }
    const e = err as Error & { code?: string };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' || e.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      io.stderr(`mfabot: ${e.message.split('\n')[0]}\n`);
      return 2;
    }
    if (e.name === 'ConfigError' || /fixture/i.test(e.message)) {
      io.stderr(`mfabot: ${e.message.replace(/\n\s*/g, ' ')}\n`);
      return 2;
    }
    io.stderr(`mfabot: ${e.message}\n`);
    return 3;
  }
}

export function main(argv: string[]): void {
  runCli(argv, {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`mfabot: ${String(err)}\n`);
      process.exitCode = 3;
    },
  );
}
