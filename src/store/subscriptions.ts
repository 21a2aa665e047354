/**
 * Digest subscriptions: which channels asked for a daily or weekly digest, where to post it, and
 * what the last digest showed. One item per channel plus an index of their ids, both changed with
 * eTag concurrency so instances sharing the store agree.
 */
import { createHash } from 'node:crypto';
import type { Cadence, DigestSnapshot } from '../domain/digest';
import type { ConversationRef } from './conversations';
import { readOne, updateOne, type KeyValueStore, type StoreItem } from './kv';

export interface Subscription {
  /** Derived from the conversation id (see subscriptionId). */
  id: string;
  cadence: Cadence;
  /** Where digests are posted. */
  reference: ConversationRef;
  tenantId: string;
  /** The team the channel belongs to, when Teams said (uninstalling from the team removes it). */
  teamId: string | null;
  createdAt: string;
  createdBy: { id: string; name: string };
  /** The last period posted (e.g. `daily:2025-11-26`). */
  lastPeriod: string | null;
  lastPostedAt: string | null;
  /** What the last digest showed, for "since the last digest". */
  lastSnapshot: DigestSnapshot | null;
}

type Item = Subscription & StoreItem;

interface IndexItem extends StoreItem {
  ids: string[];
}

const INDEX_KEY = 'subscriptions/index';
const itemKey = (id: string): string => `subscriptions/${id}`;

/** A short, stable id for a conversation (channel conversation ids are long and full of punctuation). */
export function subscriptionId(conversationId: string): string {
  return createHash('sha256').update(conversationId).digest('hex').slice(0, 32);
}

function strip(item: Item | undefined): Subscription | undefined {
  if (!item) return undefined;
  const { eTag: _eTag, ...rest } = item;
  return rest;
}

export class SubscriptionStore {
  constructor(private readonly store: KeyValueStore) {}

  async get(id: string): Promise<Subscription | undefined> {
    return strip(await readOne<Item>(this.store, itemKey(id)));
  }

  async list(): Promise<Subscription[]> {
    const ids = (await readOne<IndexItem>(this.store, INDEX_KEY))?.ids ?? [];
    if (ids.length === 0) return [];
    const items = await this.store.read(ids.map(itemKey));
    return ids.flatMap((id) => {
      const s = strip(items[itemKey(id)] as Item | undefined);
      return s ? [s] : [];
    });
  }

  /** Creates or replaces the channel's subscription (a new cadence keeps the last digest's numbers). */
  async upsert(sub: Subscription): Promise<Subscription> {
    const written = await updateOne<Item>(this.store, itemKey(sub.id), (current) => ({
      ...sub,
      lastSnapshot: sub.lastSnapshot ?? current?.lastSnapshot ?? null,
    }));
    await updateOne<IndexItem>(this.store, INDEX_KEY, (current) => {
      const ids = current?.ids ?? [];
      return ids.includes(sub.id) ? undefined : { ids: [...ids, sub.id] };
    });
    return strip(written) ?? sub;
  }

  /** Changes a subscription; `change` returns undefined to leave it. Undefined when it does not exist. */
  async update(id: string, change: (current: Subscription) => Subscription | undefined): Promise<Subscription | undefined> {
    const written = await updateOne<Item>(this.store, itemKey(id), (current) => {
      if (!current) return undefined;
      const next = change(strip(current) as Subscription);
      return next ? { ...next } : undefined;
    });
    return strip(written);
  }

  /** Removes subscriptions; returns those that existed. */
  async remove(ids: readonly string[]): Promise<Subscription[]> {
    if (ids.length === 0) return [];
    const existing = (await Promise.all(ids.map((id) => this.get(id)))).filter((s): s is Subscription => s !== undefined);
    await updateOne<IndexItem>(this.store, INDEX_KEY, (current) => {
      const before = current?.ids ?? [];
      const after = before.filter((id) => !ids.includes(id));
      return after.length === before.length ? undefined : { ids: after };
    });
    await this.store.delete(ids.map(itemKey));
    return existing;
  }

  /** Removes every subscription of a team (MfaBot was uninstalled from it). */
  async removeTeam(teamId: string): Promise<Subscription[]> {
    const subs = await this.list();
    return this.remove(subs.filter((s) => s.teamId === teamId).map((s) => s.id));
  }
}
