import type { Guard } from '../auth/middleware.js';
import { AppError } from '../errors.js';
import { Routes } from '../routes/table.js';
import { assetParams, DOCS_PAGE, loadAsset } from './assets.js';
import { openApiDocument } from './document.js';

/** GET /openapi.json (built from the route table and the request schemas), GET /docs and its assets. */
export function openapiRoutes(guard: Guard): Routes {
  const router = new Routes(guard);

  router.get('/openapi.json', 'public', (ctx) => {
    ctx.type = 'application/json';
    ctx.body = openApiDocument().json;
  });

  // Everything the page needs is served from here: the policy keeps it so.
  router.get('/docs', 'public', (ctx) => {
    ctx.set('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = DOCS_PAGE;
  });

  // Only names on the list are served: `..%2F..%2Fpackage.json` is just a name that is not on it.
  router.get('/docs/assets/:file', 'public', async (ctx) => {
    const params = assetParams.safeParse(ctx.params);
    if (!params.success) throw new AppError(404, 'NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
    const asset = await loadAsset(params.data.file);
    ctx.type = asset.type;
    ctx.set('cache-control', 'public, max-age=86400');
    ctx.set('x-content-type-options', 'nosniff');
    ctx.body = asset.body;
  });

  return router;
}
