import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The browser app's sources (web/ at the repository root), from src/http/web or dist/http/web alike. */
const WEB = fileURLToPath(new URL('../../../web/', import.meta.url));

export interface Bundle {
  js: string;
  css: string;
}

let bundle: Promise<Bundle> | undefined;

/**
 * The web app bundled by esbuild, once per process, in memory: no build step before `npm start`,
 * nothing written to disk. Preact and htm come from node_modules, so the page loads nothing from
 * any other origin.
 */
export function webBundle(): Promise<Bundle> {
  bundle ??= (async () => {
    const [out, css] = await Promise.all([
      build({ entryPoints: [`${WEB}main.ts`], bundle: true, write: false, format: 'esm', target: 'es2020', minify: true, legalComments: 'none', logLevel: 'silent' }),
      readFile(`${WEB}app.css`, 'utf8'),
    ]);
    return { js: out.outputFiles[0]!.text, css };
  })();
  bundle.catch(() => (bundle = undefined));
  return bundle;
}
