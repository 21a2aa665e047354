/**
 * Child-process entry for tests that need MfaBot's real entry point (`main`: console routing, signal
 * handling) with app credentials offline: MSAL reaches the local identity provider at
 * MFABOT_TEST_IDP_URL (see identityProvider.ts), which no environment variable of MfaBot can say.
 */
import { main } from '../../src/index';
import { LOGIN_HOST, localNetwork } from './identityProvider';

const idp = process.env.MFABOT_TEST_IDP_URL;
main(process.env, idp ? { botTokenNetwork: { knownAuthorities: [LOGIN_HOST], networkClient: localNetwork(idp) } } : {}).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
