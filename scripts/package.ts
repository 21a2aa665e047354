/**
 * `npm run package [-- ENV]`: builds appPackage/build/appPackage.<ENV>.zip (default ENV "dev") from
 * appPackage/manifest.template.json and env/.env.<ENV> (+ .user), with variables set in the shell
 * taking precedence. Upload the zip in the Teams admin center (Teams apps > Manage apps > Upload new
 * app) or let the Agents Toolkit's Provision/Publish do it. Exit 0 built, 2 invalid input.
 */
import { relative } from 'node:path';
import { buildAppPackage, PackageError, ROOT } from './lib/appPackage';

async function main(argv: string[]): Promise<number> {
  const envName = argv[0] ?? 'dev';
  if (argv.length > 1 || envName.startsWith('-')) {
    process.stderr.write('usage: npm run package [-- ENV]   (ENV names env/.env.ENV; default dev)\n');
    return 2;
  }
  try {
    const built = await buildAppPackage(envName, process.env);
    const manifest = built.manifest as { id?: string; version?: string; manifestVersion?: string };
    process.stdout.write(
      `${relative(ROOT, built.zipPath)}: Teams app ${manifest.id} version ${manifest.version} (manifest ${manifest.manifestVersion}), ${built.zip.length} bytes\n`,
    );
    return 0;
  } catch (err) {
    if (err instanceof PackageError) {
      process.stderr.write(`package: the app package for "${envName}" was not built:\n  - ${err.problems.join('\n  - ')}\n`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`package: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
