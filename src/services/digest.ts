/**
 * Digest subscriptions and the scheduler behind them: `subscribe daily|weekly` (approvers) stores the
 * channel; each tick posts the digest to every subscription whose slot has come. With several bot
 * instances sharing storage a digest is posted once: the poster holds a lease keyed by subscription
 * and period, and re-reads the subscription under it before posting. The clock is injected.
 */
import { randomUUID } from 'node:crypto';
import type { Person } from '../domain/approval';
import { buildDigest, digestSnapshot, duePeriod, type Cadence, type DigestSchedule } from '../domain/digest';
import type { EnforcementAftermath } from '../domain/aftermath';
import type { PolicyOutlook } from '../domain/nudge';
import type { StatusReport } from '../domain/report';
import { digestCard } from '../cards/nudge';
import type { Logger } from '../log';
import type { ConversationRef } from '../store/conversations';
import type { OperationLock } from '../store/lock';
import type { NudgeCount } from '../store/nudges';
import { subscriptionId, type Subscription, type SubscriptionStore } from '../store/subscriptions';
import { DeliveryError, type Messenger } from './nudge';

export interface DigestSettings extends DigestSchedule {
  weekday: number;
  maxAdminsListed: number;
  /** Longest a poster holds a digest's lease (default 2 min). */
  lockTtlMs?: number;
}

export interface DigestServiceDeps {
  subscriptions: SubscriptionStore;
  lock: OperationLock;
  status: { get(opts?: { fresh?: boolean }): Promise<StatusReport> };
  messenger: Pick<Messenger, 'send'>;
  isApprover(userId: string): Promise<boolean>;
  settings: DigestSettings;
  logger: Logger;
  nudgeHistory?: () => Promise<Record<string, NudgeCount>>;
  policyOutlook?: () => Promise<PolicyOutlook>;
  /** For the days after MfaBot enforced its policy: who it stopped at sign-in (null outside them). */
  aftermath?: () => Promise<EnforcementAftermath | null>;
  now?: () => Date;
  newId?: () => string;
}

export type SubscribeOutcome =
  | { kind: 'refused'; reason: string }
  | { kind: 'subscribed'; subscription: Subscription; changed: Cadence | null };

export type UnsubscribeOutcome = { kind: 'refused'; reason: string } | { kind: 'unsubscribed'; cadence: Cadence } | { kind: 'notSubscribed' };

export class DigestService {
  private running: Promise<string[]> | null = null;

  constructor(private readonly deps: DigestServiceDeps) {}

  private now(): Date {
    return this.deps.now ? this.deps.now() : new Date();
  }

  private async approverOnly(actor: Person, what: string): Promise<string | null> {
    if (!actor.id) return 'Teams did not say who asked, so MfaBot cannot tell whether you are an approver.';
    const ok = await this.deps.isApprover(actor.id).catch(() => false);
    return ok ? null : `Only approvers can ${what}.`;
  }

  /** `subscribe daily|weekly` in a conversation: stores where to post. */
  async subscribe(input: { actor: Person; cadence: Cadence; reference: ConversationRef; tenantId: string; teamId: string | null }): Promise<SubscribeOutcome> {
    const refusal = await this.approverOnly(input.actor, 'subscribe a channel to the digest');
    if (refusal) return { kind: 'refused', reason: refusal };
    const id = subscriptionId(input.reference.conversation.id);
    const existing = await this.deps.subscriptions.get(id);
    const subscription = await this.deps.subscriptions.upsert({
      id,
      cadence: input.cadence,
      reference: input.reference,
      tenantId: input.tenantId,
      teamId: input.teamId,
      createdAt: existing?.createdAt ?? this.now().toISOString(),
      createdBy: existing?.createdBy ?? input.actor,
      lastPeriod: existing?.cadence === input.cadence ? existing.lastPeriod : null,
      lastPostedAt: existing?.lastPostedAt ?? null,
      lastSnapshot: existing?.lastSnapshot ?? null,
    });
    this.deps.logger.info({ subscription: id, cadence: input.cadence }, 'digest subscription stored');
    return { kind: 'subscribed', subscription, changed: existing && existing.cadence !== input.cadence ? existing.cadence : null };
  }

  /** `unsubscribe` in a conversation. */
  async unsubscribe(input: { actor: Person; conversationId: string }): Promise<UnsubscribeOutcome> {
    const refusal = await this.approverOnly(input.actor, 'stop the digest');
    if (refusal) return { kind: 'refused', reason: refusal };
    const [removed] = await this.deps.subscriptions.remove([subscriptionId(input.conversationId)]);
    return removed ? { kind: 'unsubscribed', cadence: removed.cadence } : { kind: 'notSubscribed' };
  }

  /** MfaBot was removed from a team or conversation: its digests stop. */
  async forget(input: { teamId: string | null; conversationId: string | null }): Promise<number> {
    const removed = [
      ...(input.teamId ? await this.deps.subscriptions.removeTeam(input.teamId) : []),
      ...(input.conversationId ? await this.deps.subscriptions.remove([subscriptionId(input.conversationId)]) : []),
    ];
    return removed.length;
  }

  /** Posts every digest that is due; returns the periods posted (`<subscription>/<period>`). Overlapping calls share one run. */
  tick(): Promise<string[]> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<string[]> {
    const { logger, settings } = this.deps;
    const now = this.now();
    const posted: string[] = [];
    let report: Promise<StatusReport> | null = null;
    for (const listed of await this.deps.subscriptions.list()) {
      const period = duePeriod(listed, now, settings);
      if (!period) continue;
      const owner = this.deps.newId ? this.deps.newId() : randomUUID();
      const lease = await this.deps.lock.acquire(`digest/${listed.id}/${period}`, owner, settings.lockTtlMs ?? 120_000);
      if (!lease.acquired) continue;
      try {
        // Under the lease: another instance may have posted this period between our list and now.
        const sub = await this.deps.subscriptions.get(listed.id);
        if (!sub || duePeriod(sub, now, settings) !== period) continue;
        report ??= this.deps.status.get({ fresh: true });
        const current = await report;
        const card = digestCard(buildDigest(current, sub.lastSnapshot), {
          cadence: sub.cadence,
          schedule: { hourUtc: settings.hourUtc, weekday: settings.weekday },
          policyAction: await this.policyAction(current),
          maxAdminsListed: settings.maxAdminsListed,
          now,
          nudgeHistory: await this.deps.nudgeHistory?.().catch(() => undefined),
          aftermath: await this.deps.aftermath?.().catch(() => null),
        });
        // A slow tenant read can outlast the lease; another instance may then have posted this period.
        if (!(await lease.renew())) continue;
        await this.deps.messenger.send(sub.reference, card);
        await this.deps.subscriptions.update(sub.id, (s) => ({
          ...s, lastPeriod: period, lastPostedAt: now.toISOString(), lastSnapshot: digestSnapshot(current),
        }));
        posted.push(`${sub.id}/${period}`);
        logger.info({ subscription: sub.id, period }, 'digest posted');
      } catch (err) {
        if (err instanceof DeliveryError && err.staleConversation) {
          // MfaBot is no longer in that conversation: stop posting there.
          await this.deps.subscriptions.remove([listed.id]);
          logger.warn({ subscription: listed.id, status: err.status }, 'digest conversation is gone; subscription removed');
        } else {
          logger.warn({ subscription: listed.id, err: err instanceof Error ? err.message : String(err) }, 'digest not posted; will try again');
        }
      } finally {
        await lease.release();
      }
    }
    return posted;
  }

  /** The policy button the status card would show now. */
  private async policyAction(report: StatusReport): Promise<'create' | 'enable' | null> {
    const outlook = this.deps.policyOutlook ? await this.deps.policyOutlook().catch((): PolicyOutlook => ({ kind: 'none' })) : { kind: 'none' as const };
    if (outlook.kind === 'reportOnly' || outlook.kind === 'enforcePending') return 'enable';
    if (outlook.kind === 'enforced') return null;
    return report.createPolicy.allowed && !report.policy.covered ? 'create' : null;
  }
}
