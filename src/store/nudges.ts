/**
 * Nudge history and delivery results, persisted.
 *
 * - One index item holds every nudged admin's state (how often and when they were last messaged,
 *   the last result, a pending re-check). Claims go through it with eTag concurrency, so two people
 *   clicking Nudge at once (on one instance or several) never message the same admin twice.
 * - One item per nudge (a "batch") holds who asked, where, and the result for every chosen admin:
 *   the delivery card and "tell the channel that asked" read it.
 * - One queue item holds the admins of nudges an instance stopped before messaging (graceful
 *   shutdown): the next instance to start, or any running one, takes them and delivers them.
 */
import type { SkipReason } from '../domain/nudge';
import type { ConversationRef } from './conversations';
import { readOne, updateOne, type KeyValueStore, type StoreItem } from './kv';

/** `queued`: not messaged yet because MfaBot was stopping; kept in the queue for the next start. */
export type DeliveryStatus = 'sent' | 'skipped' | 'failed' | 'queued';

/** How a message reached an admin: an existing conversation, or a new 1:1 chat (after installing MfaBot when needed). */
export type DeliveryRoute = 'conversation' | 'newChat' | 'installed';

/** The outcome for one chosen admin (or chosen value). */
export interface DeliveryResult {
  userId: string;
  name: string | null;
  userPrincipalName: string | null;
  status: DeliveryStatus;
  via?: DeliveryRoute;
  skip?: SkipReason;
  /** Why it failed, in words a person can act on. */
  reason?: string;
  /** The Graph permission that would fix a failure, when that is the cause. */
  missing?: string;
  /** ISO time. */
  at: string;
}

export interface NudgeBatch {
  id: string;
  requestedBy: { id: string; name: string };
  createdAt: string;
  finishedAt: string | null;
  tenantId: string;
  /** The conversation the nudge was asked from (the channel told about registrations). */
  channel: ConversationRef | null;
  /** The card clicked there, updated with the results. */
  cardActivityId: string | null;
  results: DeliveryResult[];
}

/** What MfaBot remembers about nudging one admin. */
export interface AdminNudgeState {
  /** Messages delivered. */
  count: number;
  /** ISO time of the last delivered message. */
  lastAt: string | null;
  /** The nudge that last reached the admin (its channel hears about the registration). */
  lastBatchId: string | null;
  lastStatus?: DeliveryStatus;
  lastReason?: string;
  /** A nudge under way for this admin: others wait (or skip) until it is recorded. */
  claim?: { batchId: string; at: string } | null;
  /** An unconfirmed "I've registered", to be checked again. */
  recheck?: { attempts: number; nextAt: string } | null;
  /** ISO time MfaBot confirmed the registration (and told the channel). */
  confirmedAt?: string | null;
}

/** Admins of one nudge that an instance stopped before messaging, with what delivering needs. */
export interface QueuedNudge {
  batchId: string;
  /** Lower-cased user ids, still claimed by the batch. */
  userIds: string[];
  tenantId: string;
  /** The tenant's Bot Connector endpoint, for new 1:1 chats. */
  serviceUrl: string;
  bot: { id: string; name?: string };
  requestedBy: { id: string; name: string };
  queuedAt: string;
}

/** "nudged 2× · last 3 h ago": what the status card shows per admin. */
export interface NudgeCount {
  count: number;
  lastAt: string;
}

interface IndexItem extends StoreItem {
  admins: Record<string, AdminNudgeState>;
}

type BatchItem = NudgeBatch & StoreItem;

interface QueueItem extends StoreItem {
  queued: QueuedNudge[];
}

const INDEX_KEY = 'nudges/admins';
const QUEUE_KEY = 'nudges/queue';
const batchKey = (id: string): string => `nudges/batch/${id}`;
const BATCH_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A claim older than this is taken to be left by a crashed instance. */
export const CLAIM_TTL_MS = 15 * 60 * 1000;

const emptyState = (): AdminNudgeState => ({ count: 0, lastAt: null, lastBatchId: null });

export class NudgeStore {
  constructor(private readonly store: KeyValueStore) {}

  /** Every admin MfaBot has nudged (or tried to), by lower-cased user id. */
  async states(): Promise<Record<string, AdminNudgeState>> {
    return (await readOne<IndexItem>(this.store, INDEX_KEY))?.admins ?? {};
  }

  async state(userId: string): Promise<AdminNudgeState | undefined> {
    return (await this.states())[userId.toLowerCase()];
  }

  /** Delivered nudges per admin, for the status card. */
  async history(): Promise<Record<string, NudgeCount>> {
    const out: Record<string, NudgeCount> = {};
    for (const [id, s] of Object.entries(await this.states())) if (s.count > 0 && s.lastAt) out[id] = { count: s.count, lastAt: s.lastAt };
    return out;
  }

  /**
   * Claims `ids` for `batchId` in one conditional write. An admin delivered to within `windowMs`, or
   * claimed by another nudge that is still under way, is refused with the reason.
   */
  async claim(batchId: string, ids: readonly string[], now: Date, windowMs: number): Promise<{ claimed: string[]; refused: { id: string; reason: SkipReason }[] }> {
    let result: { claimed: string[]; refused: { id: string; reason: SkipReason }[] } = { claimed: [], refused: [] };
    await this.changeIndex((admins) => {
      result = { claimed: [], refused: [] };
      for (const raw of ids) {
        const id = raw.toLowerCase();
        const s = admins[id] ?? emptyState();
        const last = s.lastAt ? Date.parse(s.lastAt) : Number.NaN;
        const claimAt = s.claim ? Date.parse(s.claim.at) : Number.NaN;
        if (!Number.isNaN(last) && now.getTime() - last < windowMs && s.lastAt) {
          result.refused.push({ id, reason: { kind: 'recentlyNudged', lastAt: s.lastAt } });
        } else if (s.claim && s.claim.batchId !== batchId && !Number.isNaN(claimAt) && now.getTime() - claimAt < CLAIM_TTL_MS) {
          result.refused.push({ id, reason: { kind: 'inProgress' } });
        } else {
          admins[id] = { ...s, claim: { batchId, at: now.toISOString() } };
          result.claimed.push(id);
        }
      }
      return result.claimed.length > 0;
    });
    return result;
  }

  /**
   * Renews the claims `batchId` still holds on `ids`, so a nudge that outlasts CLAIM_TTL_MS keeps the
   * admins it has not messaged yet. Returns the ids it no longer holds (another nudge took them after
   * the claim went stale, or their result is recorded), with the reason another nudge would be told.
   */
  async renewClaims(batchId: string, ids: readonly string[], now: Date, windowMs: number): Promise<{ id: string; reason: SkipReason }[]> {
    let lost: { id: string; reason: SkipReason }[] = [];
    await this.changeIndex((admins) => {
      lost = [];
      let changed = false;
      for (const raw of ids) {
        const id = raw.toLowerCase();
        const s = admins[id];
        if (s?.claim?.batchId === batchId) {
          admins[id] = { ...s, claim: { batchId, at: now.toISOString() } };
          changed = true;
          continue;
        }
        const last = s?.lastAt ? Date.parse(s.lastAt) : Number.NaN;
        lost.push({
          id,
          reason: s?.lastAt && !Number.isNaN(last) && now.getTime() - last < windowMs ? { kind: 'recentlyNudged', lastAt: s.lastAt } : { kind: 'inProgress' },
        });
      }
      return changed;
    });
    return lost;
  }

  /** Records the results of `batchId` on each admin and releases its claims. */
  async recordResults(batchId: string, results: readonly DeliveryResult[]): Promise<void> {
    await this.changeIndex((admins) => {
      let changed = false;
      for (const r of results) {
        if (r.status !== 'sent' && r.status !== 'failed') continue;
        const id = r.userId.toLowerCase();
        const s = admins[id] ?? emptyState();
        const next: AdminNudgeState = { ...s, lastStatus: r.status };
        if (s.claim?.batchId === batchId) next.claim = null;
        if (r.status === 'sent') {
          next.count = s.count + 1;
          next.lastAt = r.at;
          next.lastBatchId = batchId;
          // A new nudge opens a new loop: its "I've registered" is announced again.
          next.confirmedAt = null;
          delete next.lastReason;
        } else {
          next.lastReason = r.reason ?? 'failed';
        }
        admins[id] = next;
        changed = true;
      }
      return changed;
    });
  }

  /** Changes one admin's state (re-checks, confirmations); `change` returns undefined to leave it. */
  async updateState(userId: string, change: (current: AdminNudgeState) => AdminNudgeState | undefined): Promise<AdminNudgeState | undefined> {
    const id = userId.toLowerCase();
    let out: AdminNudgeState | undefined;
    await this.changeIndex((admins) => {
      const next = change(structuredClone(admins[id] ?? emptyState()));
      out = next ?? admins[id];
      if (!next) return false;
      admins[id] = next;
      return true;
    });
    return out;
  }

  async saveBatch(batch: NudgeBatch): Promise<void> {
    await this.store.write({ [batchKey(batch.id)]: { ...batch } });
  }

  /** A nudge by id; undefined for an unknown or malformed id. */
  async batch(id: unknown): Promise<NudgeBatch | undefined> {
    if (typeof id !== 'string' || !BATCH_ID.test(id)) return undefined;
    const item = await readOne<BatchItem>(this.store, batchKey(id));
    if (!item) return undefined;
    const { eTag: _eTag, ...rest } = item;
    return rest;
  }

  /** Keeps `entry` for later delivery (replacing an earlier entry of the same batch). */
  async enqueue(entry: QueuedNudge): Promise<void> {
    await updateOne<QueueItem>(this.store, QUEUE_KEY, (current) => ({
      queued: [...(current?.queued ?? []).filter((q) => q.batchId !== entry.batchId), entry],
    }));
  }

  /**
   * Takes every queued nudge out of the queue in one conditional write: of several instances taking
   * at once, each entry goes to exactly one.
   */
  async takeQueued(): Promise<QueuedNudge[]> {
    let taken: QueuedNudge[] = [];
    await updateOne<QueueItem>(this.store, QUEUE_KEY, (current) => {
      taken = current?.queued ?? [];
      return taken.length > 0 ? { queued: [] } : undefined;
    });
    return taken;
  }

  /** Read-modify-write of the index; `change` mutates the map it is given and says whether it changed it. */
  private async changeIndex(change: (admins: Record<string, AdminNudgeState>) => boolean): Promise<void> {
    await updateOne<IndexItem>(this.store, INDEX_KEY, (current) => {
      const admins = current?.admins ?? {};
      return change(admins) ? { admins } : undefined;
    });
  }
}
