/** Graph credentials chosen by configuration: client secret, certificate or managed identity. */
import { ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { GraphAuth } from '../config';

export function createGraphCredential(auth: GraphAuth): TokenCredential | null {
  switch (auth.kind) {
    case 'secret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret);
    case 'certificate':
      return new ClientCertificateCredential(auth.tenantId, auth.clientId, { certificatePath: auth.certificatePath });
    case 'managedIdentity':
      return auth.clientId ? new ManagedIdentityCredential({ clientId: auth.clientId }) : new ManagedIdentityCredential();
    case 'none':
      return null;
  }
}
