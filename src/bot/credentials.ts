/**
 * Outbound Bot Connector tokens through MSAL with a caller-supplied network module and known
 * authorities: for clouds whose login host MSAL does not know, and for offline tests against a local
 * identity provider. Without such settings botbuilder's own factory is used.
 */
import { ConfidentialClientApplication, type INetworkModule } from '@azure/msal-node';
import { AppCredentials, ServiceClientCredentialsFactory, type AuthenticatorResult } from 'botframework-connector';

export interface BotTokenNetwork {
  /** Login hosts MSAL may use without instance discovery, e.g. ["login.example.test"]. */
  knownAuthorities: string[];
  /** How MSAL reaches them (proxies, or a local identity provider in tests). */
  networkClient?: INetworkModule;
}

const DEFAULT_AUDIENCE = 'https://api.botframework.com';

/** AppCredentials whose tokens come from an MSAL confidential client (client credentials flow). */
class MsalClientCredentials extends AppCredentials {
  constructor(appId: string, private readonly client: ConfidentialClientApplication, scope: string) {
    super(appId, undefined, scope);
  }

  protected override async refreshToken(): Promise<AuthenticatorResult> {
    const result = await this.client.acquireTokenByClientCredential({ scopes: [`${this.oAuthScope.replace(/\/+$/, '')}/.default`] });
    if (!result?.accessToken || !result.expiresOn) throw new Error('the identity provider returned no token for the Bot Connector');
    return { accessToken: result.accessToken, expiresOn: result.expiresOn };
  }
}

export class MsalBotCredentialsFactory extends ServiceClientCredentialsFactory {
  constructor(
    private readonly appId: string,
    private readonly secret: string,
    private readonly network: BotTokenNetwork,
  ) {
    super();
  }

  async isValidAppId(appId: string): Promise<boolean> {
    return appId === this.appId;
  }

  async isAuthenticationDisabled(): Promise<boolean> {
    return false;
  }

  async createCredentials(appId: string, audience: string | undefined, loginEndpoint: string): Promise<AppCredentials> {
    if (appId !== this.appId) throw new Error('unknown app id for outbound credentials');
    const client = new ConfidentialClientApplication({
      auth: { clientId: appId, clientSecret: this.secret, authority: loginEndpoint, knownAuthorities: this.network.knownAuthorities },
      system: this.network.networkClient ? { networkClient: this.network.networkClient } : {},
    });
    return new MsalClientCredentials(appId, client, audience ?? DEFAULT_AUDIENCE);
  }
}
