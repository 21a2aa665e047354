/**
 * The page's script and styles, bundled from `src/playground/web/` with esbuild when the playground
 * starts (a few hundred milliseconds), so what the browser runs is always the source in the tree.
 * esbuild is a dev dependency: the playground exists only in demo mode, after `npm ci`.
 */
import path from 'node:path';

export interface ClientBundle {
  js: string;
  css: string;
}

/** Where the page's sources are, from `src/playground` (tsx) and from `dist/playground` (built) alike. */
export const WEB_DIR = path.resolve(__dirname, '..', '..', 'src', 'playground', 'web');

let cached: Promise<ClientBundle> | undefined;

/** Bundles the page once per process. */
export function clientBundle(): Promise<ClientBundle> {
  cached ??= build().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

async function build(): Promise<ClientBundle> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('The playground is bundled with esbuild, a dev dependency: run "npm ci" (without --omit=dev) first.');
  }
  const result = await esbuild.build({
    entryPoints: { app: path.join(WEB_DIR, 'main.ts'), styles: path.join(WEB_DIR, 'styles.css') },
    bundle: true,
    write: false,
    outdir: 'out',
    format: 'iife',
    platform: 'browser',
    target: ['chrome110', 'firefox110', 'safari16'],
    legalComments: 'none',
    logLevel: 'silent',
    absWorkingDir: path.resolve(WEB_DIR, '..', '..', '..'),
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('app.js'))?.text;
  const css = result.outputFiles.find((f) => f.path.endsWith('styles.css'))?.text;
  if (js === undefined || css === undefined) throw new Error('esbuild produced no page bundle');
  return { js, css };
}
