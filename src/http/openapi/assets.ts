import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { z } from 'zod';

/**
 * The files /docs needs, served from the installed swagger-ui-dist package so the page works
 * without any network. Only the names below are ever read: a request names an entry of this
 * list, never a path, so nothing outside the package directory can be reached.
 */
const PACKAGE_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
} as const;

type PackageFile = keyof typeof PACKAGE_FILES;

/** Starts Swagger UI on our document; a file rather than an inline script, so a strict CSP can allow it. */
const INIT_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
  });
});
`;

export const assetParams = z.object({ file: z.enum(['swagger-ui.css', 'swagger-ui-bundle.js', 'favicon-32x32.png', 'favicon-16x16.png', 'init.js']) }).strict();

export type AssetName = z.infer<typeof assetParams>['file'];

export interface Asset {
  type: string;
  body: Buffer | string;
}

const packageDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const loaded = new Map<AssetName, Promise<Asset>>();

const isPackageFile = (name: AssetName): name is PackageFile => Object.hasOwn(PACKAGE_FILES, name);

async function read(name: AssetName): Promise<Asset> {
  if (!isPackageFile(name)) return { type: 'text/javascript; charset=utf-8', body: INIT_SCRIPT };
  return { type: PACKAGE_FILES[name], body: await readFile(path.join(packageDir, name)) };
}

/** Reads an asset once (about 1.6 MB in all) and keeps it; a failed read is tried again next time. */
export function loadAsset(name: AssetName): Promise<Asset> {
  let asset = loaded.get(name);
  if (!asset) {
    asset = read(name);
    asset.catch(() => loaded.delete(name));
    loaded.set(name, asset);
  }
  return asset;
}

/** The page at /docs: Swagger UI over /openapi.json, every asset from /docs/assets/. */
export const DOCS_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>roomescape API</title>
    <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-16x16.png" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js"></script>
    <script src="/docs/assets/init.js"></script>
  </body>
</html>
`;
