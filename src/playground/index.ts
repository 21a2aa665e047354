/** The playground: try MfaBot in a browser on the simulated tenant (demo mode only). */
export { startPlayground } from './server';
export type { Playground, PlaygroundOptions } from './server';
