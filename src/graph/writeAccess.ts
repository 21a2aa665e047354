/**
 * Delegated write access: a Graph client per change, carrying the approver's own token (exchanged
 * on their behalf, delegated.ts), so Graph checks their scopes and directory role.
 */
import type { AccessToken, TokenCredential } from '@azure/identity';
import type { Person } from '../domain/approval';
import type { Logger } from '../log';
import type { WriteIdentity } from '../services/writeAccess';
import { createGraphClient } from './client';
import type { DelegatedAccess } from './delegated';
import { GraphPimGateway } from './pimGateway';
import { GraphPolicyGateway } from './policyGateway';

/** A credential that hands out one token it was given (it expires long after one change). */
function fixedToken(token: string): TokenCredential {
  const value: AccessToken = { token, expiresOnTimestamp: Date.now() + 5 * 60_000 };
  return { getToken: async () => value };
}

export function delegatedWrites(access: DelegatedAccess, graph: { baseUrl: string; timeoutMs: number; maxRetries: number; logger: Logger }): WriteIdentity {
  return {
    mode: 'delegated',
    async forChange(actor: Person, proof, scopes) {
      const token = await access.graphToken(actor.id, proof?.token, scopes);
      const client = createGraphClient({ ...graph, credential: fixedToken(token) });
      return { as: 'approver', writes: new GraphPolicyGateway({ client, baseUrl: graph.baseUrl }), pim: new GraphPimGateway({ client, baseUrl: graph.baseUrl }) };
    },
  };
}
