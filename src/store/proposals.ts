/**
 * Proposals awaiting an approver, persisted by id, plus MfaBot's record of the policy it created.
 * Every change is a read-modify-write with eTag concurrency, so two approvers deciding at once cannot
 * both win: the second sees the first's decision.
 */
import type { Proposal, ProposalKind } from '../domain/approval';
import { CREATE_ONLY, isETagConflict, readOne, updateOne, type KeyValueStore, type StoreItem } from './kv';

type ProposalItem = Proposal & StoreItem;

/** What MfaBot knows about the policy it created (Graph stays the source of truth). */
export interface PolicyRecord {
  policyId: string;
  displayName: string;
  state: string;
  createdAt: string;
  createdBy: { id: string; name: string };
  requestedBy: { id: string; name: string };
  enforcedAt?: string;
  enforcedBy?: { id: string; name: string };
}

type PolicyRecordItem = PolicyRecord & StoreItem;

const proposalKey = (id: string): string => `proposals/${id}`;
const openKey = (kind: ProposalKind): string => `proposals/open/${kind}`;
const POLICY_KEY = 'policy/record';

interface OpenPointer extends StoreItem {
  proposalId: string;
}

const PROPOSAL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Proposal ids are UUIDs; anything else from a card is not looked up at all. */
export function isProposalId(value: unknown): value is string {
  return typeof value === 'string' && PROPOSAL_ID.test(value);
}

function strip<T extends StoreItem>(item: T | undefined): Omit<T, 'eTag'> | undefined {
  if (!item) return undefined;
  const { eTag: _eTag, ...rest } = item;
  return rest;
}

export class ProposalStore {
  constructor(private readonly store: KeyValueStore) {}

  async get(id: string): Promise<Proposal | undefined> {
    if (!isProposalId(id)) return undefined;
    return strip(await readOne<ProposalItem>(this.store, proposalKey(id))) as Proposal | undefined;
  }

  /** Stores a new proposal; fails if the id is taken. */
  async create(proposal: Proposal): Promise<void> {
    await this.store.write({ [proposalKey(proposal.id)]: { ...proposal, eTag: CREATE_ONLY } });
  }

  /**
   * Changes a proposal with eTag retries. `change` returns the new proposal, or undefined to leave it;
   * it is called again with fresh data after a conflict, so it must decide from what it is given.
   */
  async update(id: string, change: (current: Proposal) => Proposal | undefined): Promise<Proposal | undefined> {
    const written = await updateOne<ProposalItem>(this.store, proposalKey(id), (current) => {
      if (!current) return undefined;
      const next = change(strip(current) as unknown as Proposal);
      return next as ProposalItem | undefined;
    });
    return strip(written) as unknown as Proposal | undefined;
  }

  /**
   * The open (pending, unexpired) proposal of a kind, so repeated clicks join one request instead of
   * flooding the approvers. `isOpen` decides with the caller's clock.
   */
  async open(kind: ProposalKind, isOpen: (p: Proposal) => boolean): Promise<Proposal | undefined> {
    const pointer = await readOne<OpenPointer>(this.store, openKey(kind));
    if (!pointer) return undefined;
    const proposal = await this.get(pointer.proposalId);
    return proposal && isOpen(proposal) ? proposal : undefined;
  }

  /**
   * Stores `proposal` as the open one of its kind unless another open proposal got there first, which
   * is then returned instead (and `proposal` is not stored).
   */
  async createOpen(proposal: Proposal, isOpen: (p: Proposal) => boolean): Promise<{ proposal: Proposal; created: boolean }> {
    let stored = false;
    for (let attempt = 0; attempt < 10; attempt++) {
      const pointer = await readOne<OpenPointer>(this.store, openKey(proposal.kind));
      if (pointer && pointer.proposalId !== proposal.id) {
        const existing = await this.get(pointer.proposalId);
        if (existing && isOpen(existing)) {
          // Ours lost the race; it was never shown to anyone, so it is simply dropped.
          if (stored) await this.store.delete([proposalKey(proposal.id)]);
          return { proposal: existing, created: false };
        }
      }
      // Stored before the pointer, so a pointer never names a proposal that is not there yet.
      if (!stored) {
        await this.create(proposal);
        stored = true;
      }
      try {
        await this.store.write({ [openKey(proposal.kind)]: { proposalId: proposal.id, eTag: pointer?.eTag ?? CREATE_ONLY } });
      } catch (err) {
        if (isETagConflict(err)) continue;
        throw err;
      }
      return { proposal, created: true };
    }
    throw new Error('could not record the proposal: storage kept changing');
  }

  async policyRecord(): Promise<PolicyRecord | undefined> {
    return strip(await readOne<PolicyRecordItem>(this.store, POLICY_KEY)) as PolicyRecord | undefined;
  }

  async savePolicyRecord(record: PolicyRecord): Promise<void> {
    await updateOne<PolicyRecordItem>(this.store, POLICY_KEY, () => ({ ...record }));
  }
}
