/**
 * The nudge use cases: plan (who, from the current status report, never from card data) → claim
 * (so two clicks never message one admin twice) → deliver through a bounded-concurrency queue →
 * record; and "I've registered": re-check Graph, thank the admin, tell the channel that asked, or
 * check again later on a bounded schedule.
 *
 * Delivery, per admin: continue a stored conversation reference; else install MfaBot for the user
 * through Graph (409 = already installed) and create the 1:1 conversation through the Bot
 * Connector (docs/graph-notes.md, "Teams: proactive 1:1 messages"). 429s (and 412/502/503/504) are retried after Retry-After; one admin's
 * failure never stops the others.
 *
 * Shutdown: after `drain()` no new delivery starts and retries are not waited for; deliveries under
 * way finish, and the admins not messaged yet stay claimed and go to a queue in storage, which the
 * next instance to start (or any running one) takes with `resumeQueued()`.
 */
import { randomUUID } from 'node:crypto';
import type { StuckAdmin } from '../domain/aftermath';
import { effectiveStatus, type Person } from '../domain/approval';
import {
  isEmptySelection, mayNudge, type NudgeSelection, nextRecheckAt, parseNudgeSelection, planNudges, RECHECK_DELAYS_MS,
  type NudgePlan, type NudgerPolicy, type PolicyOutlook, type SkipReason,
} from '../domain/nudge';
import type { StatusReport } from '../domain/report';
import type { Admin } from '../domain/types';
import { nudgeCard, registeredNoticeCard, registeredThanksCard } from '../cards/nudge';
import type { AdaptiveCard } from '../cards/types';
import { GraphFailure } from '../graph/errors';
import type { TeamsGateway } from '../graph/teamsGateway';
import type { Logger } from '../log';
import type { ConversationRef, ConversationStore } from '../store/conversations';
import { CLAIM_TTL_MS, type AdminNudgeState, type DeliveryResult, type DeliveryRoute, type NudgeBatch, type NudgeCount, type NudgeStore, type QueuedNudge } from '../store/nudges';
import type { ProposalStore } from '../store/proposals';

/** Sends cards through the Bot Connector; implemented in the bot layer. */
export interface Messenger {
  /** Posts `card` as a new message in an existing conversation. */
  send(reference: ConversationRef, card: AdaptiveCard): Promise<void>;
  /** Creates (or re-opens) the 1:1 conversation with a user; returns its reference. */
  createPersonal(params: { serviceUrl: string; tenantId: string; userId: string; bot: { id: string; name?: string } }): Promise<ConversationRef>;
}

/** A Bot Connector failure, reduced to what decides a retry. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    /** HTTP status; null for a network failure. */
    readonly status: number | null,
    /** From Retry-After, when the connector sent one. */
    readonly retryAfterMs: number | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }

  /** Throttled or briefly unavailable (docs/graph-notes.md, "Teams: proactive 1:1 messages": retry 429, 412, 502, 504). */
  get retryable(): boolean {
    return this.status === null || [412, 429, 502, 503, 504].includes(this.status);
  }

  /** The stored conversation no longer works (user removed MfaBot or deleted the chat): start a new one. */
  get staleConversation(): boolean {
    return this.status === 403 || this.status === 404;
  }
}

export interface NudgeSettings {
  /** Manifest id (`externalId` in the app catalog) of MfaBot's Teams app; null: MfaBot cannot install itself. */
  teamsAppExternalId: string | null;
  /** The same admin is nudged at most once per window, whoever asks. */
  windowMs: number;
  nudgers: NudgerPolicy;
  breakGlassUserIds: readonly string[];
  /** Deliveries in flight at once (default 4; Teams allows 30 requests/s per app and tenant). */
  concurrency?: number;
  /** Attempts per connector call on 429/5xx (default 4), each wait capped at maxRetryDelayMs (default 30 s). */
  maxAttempts?: number;
  maxRetryDelayMs?: number;
  /** When unconfirmed registrations are checked again (default RECHECK_DELAYS_MS). */
  recheckDelaysMs?: readonly number[];
  /** Waits before asking again when Teams refuses the chat of an admin MfaBot just installed itself for (default INSTALL_SETTLE_DELAYS_MS). */
  installSettleDelaysMs?: readonly number[];
}

/** About half a minute, doubling: long enough for most new installations, short enough for one nudge batch. */
export const INSTALL_SETTLE_DELAYS_MS: readonly number[] = [1_000, 2_000, 4_000, 8_000, 15_000];

export interface NudgeServiceDeps {
  status: { get(opts?: { fresh?: boolean }): Promise<StatusReport>; invalidate?(): void };
  teams: TeamsGateway;
  messenger: Messenger;
  conversations: ConversationStore;
  nudges: NudgeStore;
  settings: NudgeSettings;
  /** Whether someone is an approver (configured ids, approver group). */
  isApprover(userId: string): Promise<boolean>;
  /** Whether a policy enforcing MFA is coming; "none" when unknown. */
  policyOutlook?: () => Promise<PolicyOutlook>;
  /**
   * Admins MfaBot's enforced policy stopped at sign-in who have not got through yet: they may be
   * nudged even when registered (they may have given up at the MFA prompt).
   */
  stuck?: () => Promise<StuckAdmin[]>;
  logger: Logger;
  now?: () => Date;
  newId?: () => string;
  sleep?: (ms: number) => Promise<void>;
}

export interface NudgeRequest {
  actor: Person;
  /** The picker value exactly as the card sent it (untrusted). */
  selection: unknown;
  tenantId: string;
  /** Where the nudge was asked: that conversation hears about registrations. */
  channel: ConversationRef | null;
  /** The clicked card, updated with the results. */
  cardActivityId: string | null;
  /** The tenant's Bot Connector endpoint, for new 1:1 chats. */
  serviceUrl: string;
  /** The bot's account in Teams (28:…). */
  bot: { id: string; name?: string };
}

export type NudgeOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'empty' }
  | { kind: 'done'; batch: NudgeBatch };

export type ConfirmOutcome =
  /**
   * `telling`: the conversation that asked is being told (first confirmation of this nudge);
   * `told` settles when the note is posted (true) or could not be (false). It is not awaited by
   * the use case, so a throttled connector never delays the answer to the click.
   */
  | { kind: 'registered'; telling: boolean; told: Promise<boolean>; batchId: string | null }
  | { kind: 'notYet'; nextCheckAt: string | null; batchId: string | null };

const DEFAULT_CONCURRENCY = 4;

/** Where and as whom a batch's messages go. */
interface Route {
  tenantId: string;
  serviceUrl: string;
  bot: { id: string; name?: string };
}

/** A delivery left for later because MfaBot is stopping (never escapes the service). */
class Stopping extends Error {
  constructor() {
    super('MfaBot is stopping');
    this.name = 'Stopping';
  }
}

const LEFT_FOR_LATER = Symbol('leftForLater');
const STOPPED = 'MfaBot stopped before this admin was messaged.';

/** Runs `work` over `items` with at most `limit` in flight; results keep the input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Whether MfaBot's policy is coming, from its own record and any open request to enforce it. */
export async function policyOutlookFrom(proposals: ProposalStore, now: Date): Promise<PolicyOutlook> {
  const record = await proposals.policyRecord();
  if (!record) return { kind: 'none' };
  if (record.state === 'enabled') return { kind: 'enforced', since: record.enforcedAt ?? record.createdAt };
  const open = await proposals.open('enable', (p) => effectiveStatus(p, now) === 'pending');
  if (open) return { kind: 'enforcePending', since: record.createdAt, requestedAt: open.createdAt, until: open.expiresAt };
  return record.state === 'enabledForReportingButNotEnforced' ? { kind: 'reportOnly', since: record.createdAt } : { kind: 'none' };
}

export class NudgeService {
  private draining = false;

  constructor(private readonly deps: NudgeServiceDeps) {}

  /**
   * Graceful shutdown: deliveries under way finish, none starts, retries are not waited for; admins
   * not messaged yet are queued in storage for `resumeQueued` (here after a restart, or elsewhere).
   */
  drain(): void {
    this.draining = true;
  }

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  private sleep(ms: number): Promise<void> {
    return this.deps.sleep ? this.deps.sleep(ms) : new Promise((r) => setTimeout(r, ms));
  }

  private get settings(): NudgeSettings {
    return this.deps.settings;
  }

  /** Whether `actor` may send nudges; the reason when not. */
  async mayNudge(actorId: string): Promise<{ allowed: true } | { allowed: false; reason: string }> {
    const needsApprover = this.settings.nudgers.kind === 'approvers';
    const approver = needsApprover && actorId ? await this.deps.isApprover(actorId).catch(() => false) : false;
    return mayNudge(actorId, approver, this.settings.nudgers);
  }

  /** Delivered nudges per admin ("nudged 2× · last 3 h ago"). */
  history(): Promise<Record<string, NudgeCount>> {
    return this.deps.nudges.history();
  }

  /**
   * A Nudge click. `planned` is told how many admins will be messaged before delivery starts (for a
   * progress card when delivery outlasts the invoke).
   */
  async nudge(request: NudgeRequest, hooks: { planned?: (count: number) => void } = {}): Promise<NudgeOutcome> {
    const { logger } = this.deps;
    const permission = await this.mayNudge(request.actor.id);
    if (!permission.allowed) {
      logger.warn({ actor: request.actor.id || null }, 'nudge refused: not a nudger');
      return { kind: 'refused', reason: permission.reason };
    }
    const selection = parseNudgeSelection(request.selection);
    if (isEmptySelection(selection)) return { kind: 'empty' };

    // The current report, not the one the card was drawn from: someone may have registered since.
    const report = await this.deps.status.get({ fresh: true });
    const now = this.now();
    const { plan, stuck } = await this.plan(selection, report, now);
    const batchId = this.deps.newId ? this.deps.newId() : randomUUID();
    const { targets, skipped } = await this.claimTargets(batchId, plan, now);
    const batch: NudgeBatch = {
      id: batchId,
      requestedBy: { id: request.actor.id, name: request.actor.name },
      createdAt: now.toISOString(),
      finishedAt: null,
      tenantId: request.tenantId,
      channel: request.channel,
      cardActivityId: request.cardActivityId,
      results: skipped,
    };
    await this.deps.nudges.saveBatch(batch).catch(async (err: unknown) => {
      await this.deps.nudges.recordResults(batchId, targets.map((a) => failed(a, STOPPED, this.now())));
      throw err;
    });
    hooks.planned?.(targets.length);
    logger.info({ batchId, targets: targets.length, skipped: skipped.length }, 'nudging admins');
    const finished = await this.deliverBatch(batch, targets, request, report, skipped, stuck);
    return { kind: 'done', batch: finished };
  }

  /**
   * Who of `selection` to nudge now, from the report and the nudge history; admins the enforced policy
   * stopped at sign-in may be nudged although registered.
   */
  private async plan(selection: NudgeSelection, report: StatusReport, now: Date): Promise<{ plan: NudgePlan; stuck: Map<string, StuckAdmin> }> {
    const stuck = await this.stuckNow();
    const plan = planNudges({
      selection,
      admins: report.admins,
      history: await this.deps.nudges.states(),
      now,
      windowMs: this.settings.windowMs,
      breakGlassUserIds: this.settings.breakGlassUserIds,
      alsoNudge: new Set(stuck.keys()),
    });
    return { plan, stuck };
  }

  /** The admins stopped at sign-in after enforcement, by lower-case id (none when that cannot be read). */
  private async stuckNow(): Promise<Map<string, StuckAdmin>> {
    const stuck = this.deps.stuck ? await this.deps.stuck().catch(() => []) : [];
    return new Map(stuck.map((a) => [a.userId.toLowerCase(), a]));
  }

  /** Claims the plan's targets for `batchId`: the ones claimed, and a row for every admin skipped or refused. */
  private async claimTargets(batchId: string, plan: NudgePlan, now: Date): Promise<{ targets: Admin[]; skipped: DeliveryResult[] }> {
    const claim = plan.targets.length > 0
      ? await this.deps.nudges.claim(batchId, plan.targets.map((a) => a.id), now, this.settings.windowMs)
      : { claimed: [], refused: [] };
    const claimed = new Set(claim.claimed);
    const at = now.toISOString();
    const skipped: DeliveryResult[] = [
      ...plan.skipped.map((s): DeliveryResult => ({ userId: s.id, name: s.name, userPrincipalName: s.userPrincipalName, status: 'skipped', skip: s.reason, at })),
      ...claim.refused.map((r): DeliveryResult => {
        const admin = plan.targets.find((a) => a.id.toLowerCase() === r.id);
        return { userId: r.id, name: admin?.displayName ?? null, userPrincipalName: admin?.userPrincipalName ?? null, status: 'skipped', skip: r.reason, at };
      }),
    ];
    return { targets: plan.targets.filter((a) => claimed.has(a.id.toLowerCase())), skipped };
  }

  /**
   * Delivers to the claimed `targets` of `batch`, records the results (releasing the claims), saves
   * the batch with `earlier` rows plus the new ones, and queues the admins left when MfaBot is stopping.
   */
  private async deliverBatch(
    batch: NudgeBatch, targets: readonly Admin[], route: Route, report: StatusReport, earlier: readonly DeliveryResult[], stuck: ReadonlyMap<string, StuckAdmin> = new Map(),
  ): Promise<NudgeBatch> {
    let delivered: (DeliveryResult | typeof LEFT_FOR_LATER)[] | null = null;
    try {
      const outlook = this.deps.policyOutlook ? await this.deps.policyOutlook().catch((): PolicyOutlook => ({ kind: 'none' })) : { kind: 'none' as const };
      const enforcedRoles = new Set(report.roles.filter((r) => r.coverage.covered).map((r) => r.roleId.toLowerCase()));
      const roleNames = Object.fromEntries(report.roles.map((r) => [r.roleId, r.displayName]));
      const claims = this.claimKeeper(batch.id, targets);
      delivered = await this.deliverAll(targets, async (admin) => {
        const lost = await claims.lost(admin);
        if (lost) return { userId: admin.id.toLowerCase(), name: admin.displayName, userPrincipalName: admin.userPrincipalName, status: 'skipped', skip: lost, at: this.now().toISOString() };
        try {
          return await this.deliver(admin, route, nudgeCard({
            batchId: batch.id,
            admin,
            requestedBy: batch.requestedBy.name || 'An admin',
            tenantName: report.tenantName,
            roleNames,
            // CA's includeRoles applies to active holders; an eligible admin is covered only once activated.
            enforcedRoleIds: admin.roles.filter((r) => r.activation === 'active' && enforcedRoles.has(r.roleId.toLowerCase())).map((r) => r.roleId),
            outlook,
            stoppedAt: stuck.get(admin.id.toLowerCase())?.firstInterruptedAt,
          }));
        } finally {
          claims.finished(admin);
        }
      });
    } finally {
      // Claims are released even when something failed before or around delivery, so nobody is
      // left "being nudged" until the claim times out. Admins left for later keep their claim.
      const done = delivered
        ? delivered.filter((r): r is DeliveryResult => r !== LEFT_FOR_LATER)
        : targets.map((a) => failed(a, STOPPED, this.now()));
      await this.deps.nudges.recordResults(batch.id, done);
    }
    const results = delivered;
    const later = targets.filter((_, i) => results[i] === LEFT_FOR_LATER);
    const queued = later.length > 0 && await this.queue(batch, later, route);
    const rows = results.map((r, i) => {
      if (r !== LEFT_FOR_LATER) return r;
      const admin = targets[i] as Admin;
      return queued ? queuedRow(admin, this.now()) : failed(admin, STOPPED, this.now());
    });
    const finished: NudgeBatch = { ...batch, finishedAt: queued ? null : this.now().toISOString(), results: [...rows, ...earlier] };
    await this.deps.nudges.saveBatch(finished);
    return finished;
  }

  /**
   * Keeps the batch's claims alive while it delivers: a large nudge under throttling can outlast
   * CLAIM_TTL_MS, after which another nudge may claim the admins still queued here. Before each
   * delivery starts, claims older than a third of the TTL are renewed in one write; an admin whose
   * claim was taken meanwhile is not messaged by this batch (`lost` says why).
   */
  private claimKeeper(batchId: string, targets: readonly Admin[]): { lost(admin: Admin): Promise<SkipReason | null>; finished(admin: Admin): void } {
    const open = new Set(targets.map((a) => a.id.toLowerCase()));
    const taken = new Map<string, SkipReason>();
    let renewedAt = this.now().getTime();
    let renewing: Promise<void> | null = null;
    const renew = async (): Promise<void> => {
      const at = this.now();
      try {
        for (const { id, reason } of await this.deps.nudges.renewClaims(batchId, [...open], at, this.settings.windowMs)) taken.set(id, reason);
        renewedAt = at.getTime();
      } catch (err) {
        this.deps.logger.warn({ batchId, err: err instanceof Error ? err.message : String(err) }, 'could not renew the claims of a long nudge');
      }
    };
    return {
      lost: async (admin) => {
        if (this.now().getTime() - renewedAt >= CLAIM_TTL_MS / 3) {
          renewing ??= renew().finally(() => { renewing = null; });
          await renewing;
        }
        return taken.get(admin.id.toLowerCase()) ?? null;
      },
      finished: (admin) => {
        open.delete(admin.id.toLowerCase());
      },
    };
  }

  /** Puts `admins` of `batch` in the queue; false (claims released, counted as failed) when storage refuses. */
  private async queue(batch: NudgeBatch, admins: readonly Admin[], route: Route): Promise<boolean> {
    const userIds = admins.map((a) => a.id.toLowerCase());
    try {
      await this.deps.nudges.enqueue({
        batchId: batch.id, userIds, tenantId: route.tenantId, serviceUrl: route.serviceUrl, bot: route.bot,
        requestedBy: batch.requestedBy, queuedAt: this.now().toISOString(),
      });
      this.deps.logger.info({ batchId: batch.id, queued: userIds.length }, 'MfaBot is stopping: nudges not sent yet are queued for the next start');
      return true;
    } catch (err) {
      this.deps.logger.error({ batchId: batch.id, err: err instanceof Error ? err.message : String(err) }, 'could not queue nudges for the next start');
      await this.deps.nudges.recordResults(batch.id, admins.map((a) => failed(a, STOPPED, this.now())));
      return false;
    }
  }

  /** Runs deliveries with bounded concurrency; once draining, the ones not started are left for later. Keeps input order. */
  private deliverAll(targets: readonly Admin[], work: (admin: Admin) => Promise<DeliveryResult | typeof LEFT_FOR_LATER>): Promise<(DeliveryResult | typeof LEFT_FOR_LATER)[]> {
    return mapBounded(targets, this.settings.concurrency ?? DEFAULT_CONCURRENCY, (admin) => (this.draining ? Promise.resolve(LEFT_FOR_LATER) : work(admin)));
  }

  /**
   * Delivers nudges a stopping instance queued: takes the whole queue (one taker per entry across
   * instances), re-plans each against a fresh report (someone may have registered meanwhile),
   * re-claims, delivers, and saves the batch. Returns the batches changed, so their cards can be updated.
   */
  async resumeQueued(): Promise<NudgeBatch[]> {
    if (this.draining) return [];
    const queued = await this.deps.nudges.takeQueued();
    if (queued.length === 0) return [];
    this.deps.logger.info({ batches: queued.length }, 'resuming nudges queued by a stopped instance');
    const out: NudgeBatch[] = [];
    let report: StatusReport | null = null;
    for (const entry of queued) {
      try {
        report ??= await this.deps.status.get({ fresh: true });
        out.push(await this.resumeOne(entry, report));
      } catch (err) {
        this.deps.logger.warn({ batchId: entry.batchId, err: err instanceof Error ? err.message : String(err) }, 'resuming queued nudges failed; will try again');
        await this.deps.nudges.enqueue(entry).catch(() => undefined);
      }
    }
    return out;
  }

  private async resumeOne(entry: QueuedNudge, report: StatusReport): Promise<NudgeBatch> {
    const now = this.now();
    const ids = new Set(entry.userIds);
    const batch: NudgeBatch = await this.deps.nudges.batch(entry.batchId) ?? {
      id: entry.batchId, requestedBy: entry.requestedBy, createdAt: entry.queuedAt, finishedAt: null, tenantId: entry.tenantId,
      channel: null, cardActivityId: null, results: [],
    };
    const { plan, stuck } = await this.plan({ all: false, ids: entry.userIds, invalid: [] }, report, now);
    // The batch still holds these claims, so re-claiming succeeds unless they expired and another nudge took over.
    const { targets, skipped } = await this.claimTargets(entry.batchId, plan, now);
    const kept = batch.results.filter((r) => !ids.has(r.userId.toLowerCase()));
    return this.deliverBatch(batch, targets, entry, report, [...skipped, ...kept], stuck);
  }

  /** One admin: never throws; a result, or LEFT_FOR_LATER when MfaBot started stopping during a retry. */
  private async deliver(admin: Admin, request: Route, card: AdaptiveCard): Promise<DeliveryResult | typeof LEFT_FOR_LATER> {
    const { conversations, teams, logger } = this.deps;
    const sent = (via: DeliveryRoute): DeliveryResult => ({
      userId: admin.id.toLowerCase(), name: admin.displayName, userPrincipalName: admin.userPrincipalName, status: 'sent', via, at: this.now().toISOString(),
    });
    try {
      const stored = await conversations.get(request.tenantId, admin.id);
      if (stored) {
        try {
          await this.withRetry(() => this.deps.messenger.send(stored.reference, card));
          return sent('conversation');
        } catch (err) {
          if (!(err instanceof DeliveryError && err.staleConversation)) throw err;
          logger.info({ userId: admin.id, status: err.status }, 'stored conversation no longer works; starting a new one');
          await conversations.remove(request.tenantId, admin.id);
        }
      }
      const externalId = this.settings.teamsAppExternalId;
      if (!externalId) {
        return failed(admin, 'MfaBot has no chat with this admin and cannot install itself for them: MFABOT_TEAMS_APP_ID (the app manifest id) is not set.', this.now());
      }
      const appId = await teams.catalogAppId(externalId);
      if (!appId) {
        return failed(admin, `MfaBot is not in your organisation's Teams app catalog (manifest id ${externalId}), so it cannot be installed for this admin. Upload the app package in the Teams admin center.`, this.now());
      }
      let via: DeliveryRoute = 'newChat';
      if (!(await teams.isInstalled(admin.id, appId))) {
        via = (await teams.install(admin.id, appId)) === 'installed' ? 'installed' : 'newChat';
      }
      const chat = await this.openChat(admin, request, via === 'installed');
      if (!chat) {
        return failed(admin, 'MfaBot was installed for this admin, but Teams kept refusing to open the 1:1 chat: a new installation can take Teams a few minutes. Nudge them again later.', this.now());
      }
      if (!chat.stored) {
        await conversations.save({ tenantId: request.tenantId, aadObjectId: admin.id, reference: chat.reference, savedAt: this.now().toISOString(), source: 'created' });
      }
      await this.withRetry(() => this.deps.messenger.send(chat.reference, card));
      return sent(via);
    } catch (err) {
      if (err instanceof Stopping) return LEFT_FOR_LATER;
      logger.warn({ userId: admin.id, err: err instanceof Error ? { name: err.name, message: err.message } : String(err) }, 'nudge delivery failed');
      return failedFrom(admin, err, this.now());
    }
  }

  /**
   * Opens the 1:1 chat. Right after MfaBot installed itself for the admin (Microsoft's guide:
   * learn.microsoft.com/microsoftteams/platform/graph-api/proactive-bots-and-messages/graph-proactive-bots-and-messages)
   * Teams has been reported to refuse it (403 or 404) for a while: then MfaBot waits with backoff,
   * and uses the conversation of the install event Teams sends the bot if it arrives meanwhile.
   * Null when Teams still refuses after the last wait.
   */
  private async openChat(admin: Admin, request: Route, freshInstall: boolean): Promise<{ reference: ConversationRef; stored: boolean } | null> {
    const delays = freshInstall ? this.settings.installSettleDelaysMs ?? INSTALL_SETTLE_DELAYS_MS : [];
    for (let attempt = 0; ; attempt++) {
      try {
        const reference = await this.withRetry(() => this.deps.messenger.createPersonal({
          serviceUrl: request.serviceUrl, tenantId: request.tenantId, userId: admin.id, bot: request.bot,
        }));
        return { reference, stored: false };
      } catch (err) {
        if (!(err instanceof DeliveryError) || !err.staleConversation) throw err;
        const wait = delays[attempt];
        if (wait === undefined) {
          if (!freshInstall) throw err;
          return null;
        }
        if (this.draining) throw new Stopping();
        this.deps.logger.info({ userId: admin.id, status: err.status, attempt: attempt + 1, waitMs: wait }, 'Teams does not know the new installation yet; waiting before opening the chat again');
        await this.sleep(wait);
        const stored = await this.deps.conversations.get(request.tenantId, admin.id);
        if (stored) return { reference: stored.reference, stored: true };
      }
    }
  }

  /** Retries a connector call on throttling and brief outages, after Retry-After when given. */
  private async withRetry<T>(call: () => Promise<T>): Promise<T> {
    const max = Math.max(1, this.settings.maxAttempts ?? 4);
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (err) {
        if (!(err instanceof DeliveryError) || !err.retryable || attempt >= max) throw err;
        // Stopping: a retry after the restart, not a wait that holds the shutdown.
        if (this.draining) throw new Stopping();
        const backoff = 500 * 2 ** (attempt - 1) + Math.floor(Math.random() * 250);
        const wait = Math.min(err.retryAfterMs ?? backoff, this.settings.maxRetryDelayMs ?? 30_000);
        this.deps.logger.info({ status: err.status, attempt, waitMs: wait }, 'Bot Connector asked MfaBot to slow down; retrying');
        await this.sleep(wait);
      }
    }
  }

  /**
   * "I've registered" from `actor` (identity from the activity). Registered in Graph → thanks, and
   * the conversation that asked is told once; not yet → a re-check is scheduled (bounded).
   */
  async confirm(actor: Person): Promise<ConfirmOutcome> {
    const registered = await this.deps.teams.mfaRegistered(actor.id);
    const state = await this.deps.nudges.state(actor.id);
    const batchId = state?.lastBatchId ?? null;
    if (registered === true) {
      const { telling, told } = await this.announce(actor.id, actor.name);
      return { kind: 'registered', telling, told, batchId };
    }
    const now = this.now();
    const nextAt = nextRecheckAt(now, 0, this.recheckDelays());
    await this.deps.nudges.updateState(actor.id, (s) => ({ ...s, recheck: nextAt ? { attempts: 0, nextAt: nextAt.toISOString() } : null }));
    return { kind: 'notYet', nextCheckAt: nextAt?.toISOString() ?? null, batchId };
  }

  private recheckDelays(): readonly number[] {
    return this.settings.recheckDelaysMs ?? RECHECK_DELAYS_MS;
  }

  /**
   * Marks the admin confirmed and tells the conversation that asked, once (concurrent confirmations
   * and re-checks race for the mark; only the winner posts). `telling` says whether a note is on its
   * way; `told` settles when it is posted (never rejects).
   */
  private async announce(userId: string, fallbackName: string): Promise<{ telling: boolean; told: Promise<boolean> }> {
    const at = this.now().toISOString();
    let won = false;
    const state = await this.deps.nudges.updateState(userId, (s) => {
      won = !s.confirmedAt;
      return won ? { ...s, confirmedAt: at, recheck: null } : (s.recheck ? { ...s, recheck: null } : undefined);
    });
    this.deps.status.invalidate?.();
    const nothing = { telling: false, told: Promise.resolve(false) };
    if (!won || !state?.lastBatchId) return nothing;
    const batch = await this.deps.nudges.batch(state.lastBatchId);
    const channel = batch?.channel;
    if (!batch || !channel) return nothing;
    const row = batch.results.find((r) => r.userId.toLowerCase() === userId.toLowerCase());
    const name = row?.name || fallbackName || row?.userPrincipalName || 'An admin';
    const told = this.withRetry(() => this.deps.messenger.send(channel, registeredNoticeCard(name, row?.userPrincipalName ?? null, at)))
      .then(() => true, (err: unknown) => {
        this.deps.logger.warn({ userId, err: err instanceof Error ? err.message : String(err) }, 'could not tell the channel about a registration');
        return false;
      });
    return { telling: true, told };
  }

  /**
   * Checks again the admins whose "I've registered" Graph could not confirm yet and whose time has
   * come; confirmed ones are thanked in their chat and announced. Returns how many were confirmed.
   */
  async recheckDue(tenantId: string | null): Promise<number> {
    const now = this.now();
    const due = Object.entries(await this.deps.nudges.states())
      .filter(([, s]) => s.recheck && !s.confirmedAt && Date.parse(s.recheck.nextAt) <= now.getTime());
    let confirmed = 0;
    for (const [userId, s] of due) {
      try {
        if ((await this.deps.teams.mfaRegistered(userId)) === true) {
          confirmed += 1;
          const batch = s.lastBatchId ? await this.deps.nudges.batch(s.lastBatchId) : undefined;
          const name = batch?.results.find((r) => r.userId === userId)?.name ?? '';
          await (await this.announce(userId, name)).told;
          await this.thank(tenantId ?? batch?.tenantId ?? null, userId, name);
        } else {
          await this.deps.nudges.updateState(userId, (cur) => nextCheck(cur, now, this.recheckDelays()));
        }
      } catch (err) {
        this.deps.logger.warn({ userId, err: err instanceof Error ? err.message : String(err) }, 're-checking a registration failed; will try again');
      }
    }
    return confirmed;
  }

  private async thank(tenantId: string | null, userId: string, name: string): Promise<void> {
    if (!tenantId) return;
    const stored = await this.deps.conversations.get(tenantId, userId);
    if (!stored) return;
    await this.withRetry(() => this.deps.messenger.send(stored.reference, registeredThanksCard(name || 'there', true)))
      .catch((err: unknown) => this.deps.logger.warn({ userId, err: err instanceof Error ? err.message : String(err) }, 'could not thank an admin'));
  }
}

/** The state after one more unsuccessful re-check: the next one, or none once the schedule is used up. */
function nextCheck(s: AdminNudgeState, now: Date, delays: readonly number[]): AdminNudgeState | undefined {
  if (!s.recheck) return undefined;
  const attempts = s.recheck.attempts + 1;
  const next = nextRecheckAt(now, attempts, delays);
  return { ...s, recheck: next ? { attempts, nextAt: next.toISOString() } : null };
}

function queuedRow(admin: Admin, now: Date): DeliveryResult {
  return { userId: admin.id.toLowerCase(), name: admin.displayName, userPrincipalName: admin.userPrincipalName, status: 'queued', at: now.toISOString() };
}

function failed(admin: Admin, reason: string, now: Date, missing?: string): DeliveryResult {
  return {
    userId: admin.id.toLowerCase(), name: admin.displayName, userPrincipalName: admin.userPrincipalName, status: 'failed', reason,
    ...(missing ? { missing } : {}), at: now.toISOString(),
  };
}

/** A failure described so a person can act on it: Graph names the permission, Teams the refusal. */
function failedFrom(admin: Admin, err: unknown, now: Date): DeliveryResult {
  if (err instanceof GraphFailure) return failed(admin, err.message, now, err.details.missing);
  if (err instanceof DeliveryError) {
    if (err.status === 403 && /MessageWritesBlocked/i.test(err.code ?? '')) return failed(admin, 'The admin has blocked MfaBot in Teams.', now);
    if (err.status === 429) return failed(admin, 'Teams kept throttling MfaBot; try this admin again in a few minutes.', now);
    return failed(admin, `Teams refused the message (${err.status ?? 'network error'}${err.code ? ` ${err.code}` : ''}).`, now);
  }
  return failed(admin, 'MfaBot hit an unexpected error; it has been logged.', now);
}
