export { openapiRoutes } from './router.js';
export { buildOpenApiDocument, openApiDocument, type OpenApiDocument, type Operation } from './document.js';
export { ROUTES, type RouteDoc, type Auth } from './routes.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
