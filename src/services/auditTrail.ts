/**
 * The audit trail of the policy feature: every attempt to change something, with who and what came of
 * it; the intent of every change to the tenant, recorded before it is made; and the audit log as
 * approvers see it. Reading the log is no change: a refused read is only logged, and an approver's
 * read is audited but not listed, so nobody can push the changes out of view.
 */
import { mayAct, type Person, type Proposal } from '../domain/approval';
import type { AuditEntry } from '../domain/audit';
import type { Logger } from '../log';
import type { AuditLog } from '../store/audit';
import { describeOutcome, policyIdOf, type Outcome, type WriteFailure } from './outcomes';

/** Refusals audited per person in a window; more are only logged. */
const REFUSALS_AUDITED = 5;
const REFUSAL_WINDOW_MS = 10 * 60_000;

/**
 * Refusals audited per person: the first few in a window, so that repeated clicks (or a script) by
 * someone who may not decide cannot push the real entries out of the audit card.
 */
class RefusalLimiter {
  private readonly seen = new Map<string, number[]>();
  constructor(private readonly max: number, private readonly windowMs: number) {}

  allow(who: string, now: number): boolean {
    const recent = (this.seen.get(who) ?? []).filter((t) => now - t < this.windowMs);
    const allowed = recent.length < this.max;
    if (allowed) recent.push(now);
    this.seen.set(who, recent);
    if (this.seen.size > 10_000) this.seen.delete(this.seen.keys().next().value as string);
    return allowed;
  }
}

export interface AuditTrailDeps {
  log: AuditLog;
  logger: Logger;
  now: () => Date;
  /** Waits between attempts to store an entry (default 100 ms, 500 ms, 2 s). */
  retryDelaysMs?: readonly number[];
}

export class AuditTrail {
  private readonly refusals = new RefusalLimiter(REFUSALS_AUDITED, REFUSAL_WINDOW_MS);

  constructor(private readonly deps: AuditTrailDeps) {}

  /** Appends the entry for an outcome. Never fails the action: a lost entry is logged loudly. */
  async record(actor: Person, action: string, outcome: Outcome, extra?: string): Promise<void> {
    const { result, detail } = describeOutcome(outcome);
    if (outcome.kind === 'refused' && !this.refusals.allow(actor.id, this.deps.now().getTime())) {
      // Someone clicking a button they may not use, again and again: logged, so the log still has every attempt.
      this.deps.logger.warn({ actor: actor.id, action, detail }, 'refused again: not audited, to keep the audit log readable');
      return;
    }
    const proposal = 'proposal' in outcome ? outcome.proposal : undefined;
    const policyId = policyIdOf(outcome);
    await this.append({
      at: this.deps.now().toISOString(), actor, action, result,
      ...(policyId ? { policyId } : {}),
      ...(proposal ? { proposalId: proposal.id } : {}),
      detail: extra ? `${detail} (${extra})` : detail,
    });
  }

  /**
   * Records that a change to the tenant is about to be made. Every change is preceded by one: if it
   * cannot be stored the change is not made (the returned failure says why), so no change is ever
   * made unaudited. The outcome entry that follows may still be lost; the intent then stands for it.
   */
  async intent(actor: Person, action: string, detail: string, about: { proposal?: Proposal; policyId?: string } = {}): Promise<WriteFailure | null> {
    const entry: AuditEntry = {
      at: this.deps.now().toISOString(), actor, action, result: 'intent', detail,
      ...(about.policyId ? { policyId: about.policyId } : {}), ...(about.proposal ? { proposalId: about.proposal.id } : {}),
    };
    try {
      await this.deps.log.append(entry);
      return null;
    } catch (err) {
      this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), audit: entry }, 'could not write to the audit log: the change was not made');
      return {
        message: 'MfaBot records every change to the tenant in its audit log before making it, and could not write to the audit log just now. Nothing was changed. Check MfaBot\'s storage (MFABOT_DATA_DIR, or the blob container), then try again.',
        changed: 'no',
      };
    }
  }

  /**
   * Records what came of one part of a change (one role of a PIM change), after it was made or
   * refused. Never fails the change: a lost entry is logged loudly.
   */
  async part(actor: Person, action: string, result: string, detail: string, about: { proposal?: Proposal; policyId?: string } = {}): Promise<void> {
    await this.append({
      at: this.deps.now().toISOString(), actor, action, result, detail,
      ...(about.policyId ? { policyId: about.policyId } : {}), ...(about.proposal ? { proposalId: about.proposal.id } : {}),
    });
  }

  /** The last `n` entries, for approvers only; `approver` comes from the caller's check. */
  async view(actor: Person, approver: { approver: boolean; note?: string }, n = 20): Promise<{ allowed: true; entries: AuditEntry[] } | { allowed: false; reason: string }> {
    const decision = mayAct('audit', approver.approver);
    if (!decision.allowed) {
      this.deps.logger.warn({ actor: actor.id, action: 'audit.view' }, 'refused: only approvers may read the audit log');
      return { allowed: false, reason: approver.note ? `${decision.reason} ${approver.note}` : decision.reason };
    }
    await this.append({ at: this.deps.now().toISOString(), actor, action: 'audit.view', result: 'shown', detail: `last ${n} entries` });
    return { allowed: true, entries: await this.deps.log.latest(n, (e) => e.action !== 'audit.view') };
  }

  /**
   * Appends an entry, retrying a storage failure a few times (a lock a crash left, a blob throttled).
   * An entry that still cannot be stored is written to the log in full, and the action is not failed
   * for it: by then the tenant has changed, or nothing was asked of it.
   */
  private async append(entry: AuditEntry): Promise<void> {
    const delays = this.deps.retryDelaysMs ?? [100, 500, 2_000];
    for (let attempt = 0; ; attempt++) {
      try {
        await this.deps.log.append(entry);
        return;
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined) {
          this.deps.logger.error({ err: err instanceof Error ? err.message : String(err), audit: entry }, 'could not append to the audit log');
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }
}
