import { z } from 'zod';
import { openApi, text } from '../bodies.js';
import { operation } from '../routes/table.js';
import { assetParams, DOCS_PAGE, loadAsset } from './assets.js';
import { openApiDocument } from './document.js';

const tags = ['Docs'];

/** GET /openapi.json (built from the table it is mounted with), GET /docs and its assets. */
export const DOCS = [
  operation({
    method: 'get',
    path: '/openapi.json',
    access: 'public',
    summary: 'This document',
    tags,
    responses: { 200: { description: 'the OpenAPI 3.1 document', schema: openApi } },
    handler: (_deps, table) => (ctx) => {
      ctx.type = 'application/json';
      ctx.body = openApiDocument(table).json;
    },
  }),
  // Everything the page needs is served from here: the policy keeps it so.
  operation({
    method: 'get',
    path: '/docs',
    access: 'public',
    summary: 'This document, rendered',
    tags,
    responses: { 200: { description: 'an HTML page (Swagger UI)', type: 'text/html', schema: text } },
    handler: () => (ctx) => {
      ctx.set('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
      ctx.type = 'text/html; charset=utf-8';
      ctx.body = DOCS_PAGE;
    },
  }),
  // Only names on the list are served: `..%2F..%2Fpackage.json` is just a name that is not on it.
  operation({
    method: 'get',
    path: '/docs/assets/:file',
    access: 'public',
    summary: 'The page’s scripts and styles',
    tags,
    params: assetParams,
    invalid: 'NOT_FOUND',
    responses: { 200: { description: 'the file', type: '*/*', schema: z.string().describe('the file’s bytes') } },
    handler:
      () =>
      async (ctx, { params }) => {
        const asset = await loadAsset(params.file);
        ctx.type = asset.type;
        ctx.set('cache-control', 'public, max-age=86400');
        ctx.set('x-content-type-options', 'nosniff');
        ctx.body = asset.body;
      },
  }),
];
