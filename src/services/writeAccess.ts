/**
 * How a change to the tenant is made: with MfaBot's application permissions, or with the approver's
 * own identity (delegated: Graph then checks the approver's directory role too). The use cases ask
 * for access right before they change anything; the bot layer supplies what Teams sent as proof of
 * who clicked.
 */
import type { Person } from '../domain/approval';
import type { PolicyGateway } from '../graph/policyGateway';

/** The writes a change needs. */
export type PolicyWrites = Pick<PolicyGateway, 'createPolicy' | 'setPolicyState'>;

export interface WriteAccess {
  /** Who Graph sees making the change. */
  as: 'application' | 'approver';
  writes: PolicyWrites;
}

/** What Teams sent to prove who clicked: the single sign-on token, if any. Never logged or stored. */
export interface SignInProof {
  token?: string;
}

/** Delegated scopes creating or changing MfaBot's Conditional Access policy needs. */
export const CA_WRITE_SCOPES = ['Policy.ReadWrite.ConditionalAccess', 'Policy.Read.All'] as const;

/** Directory roles that may manage Conditional Access, for the refusal that names them. */
export const CA_WRITE_ROLES = ['Conditional Access Administrator', 'Security Administrator', 'Global Administrator'] as const;

export interface WriteIdentity {
  mode: 'application' | 'delegated';
  /**
   * Access for `actor` to make a change needing `scopes`. Delegated: throws SignInRequired when Teams
   * must sign them in first, TokenRefused when the proof is not theirs (graph/delegated.ts).
   */
  forChange(actor: Person, proof: SignInProof | undefined, scopes: readonly string[]): Promise<WriteAccess>;
}

/** Application mode: every change is made with MfaBot's own permissions. */
export function applicationWrites(writes: PolicyWrites): WriteIdentity {
  return { mode: 'application', forChange: async () => ({ as: 'application', writes }) };
}
