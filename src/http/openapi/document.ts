import { ZodOptional, type ZodTypeAny } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { ERROR_CODES, type ErrorCode } from './error-codes.js';
import { ROUTES, type RouteDoc } from './routes.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: Record<string, Record<string, unknown>>;
}

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, Response>;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

interface Response {
  description: string;
  content?: Record<string, { schema: JsonSchema; examples?: Record<string, { value: unknown }> }>;
}

/**
 * The schema a route validates with, as JSON Schema: what a client sends (`effectStrategy:
 * 'input'`), so an id is an integer though a decimal string is also taken, and refinements that
 * JSON Schema cannot say (`to` not before `from`) are left to the 400 message.
 */
function jsonSchema(schema: ZodTypeAny): JsonSchema {
  const { $schema: _, ...rest } = zodToJsonSchema(schema, { target: 'jsonSchema7', $refStrategy: 'none', effectStrategy: 'input' }) as JsonSchema;
  return rest;
}

function parameters(schema: ZodTypeAny, where: 'path' | 'query'): Parameter[] {
  const object = jsonSchema(schema);
  const required = new Set(object.required ?? []);
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: property }));
}

/** The errors a route can answer with: its own plus those that follow from what it takes and who may call it. */
function errorsOf(route: RouteDoc): ErrorCode[] {
  const codes: ErrorCode[] = [];
  if (route.params || route.query || route.body || route.headers) codes.push(route.invalid ?? 'INVALID_REQUEST');
  if (route.body) codes.push('PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE');
  if (route.auth !== 'none') codes.push('UNAUTHORIZED');
  if (route.auth === 'admin') codes.push('FORBIDDEN');
  return [...new Set([...codes, ...(route.errors ?? [])])];
}

function errorResponses(codes: ErrorCode[]): Record<string, Response> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_CODES[code][0];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, Response> = {};
  for (const [status, group] of [...byStatus].sort(([a], [b]) => a - b)) {
    const examples = Object.fromEntries(group.map((code) => [code, { value: { code, message: ERROR_CODES[code][1] } }]));
    responses[status] = {
      description: group.map((code) => `\`${code}\`: ${ERROR_CODES[code][1]}`).join('; '),
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, examples } },
    };
  }
  return responses;
}

function operation(route: RouteDoc): Operation {
  const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const pathParameters = route.params ? parameters(route.params, 'path') : [];
  const documented = pathParameters.map((p) => p.name);
  if (names.join() !== documented.join()) throw new Error(`${route.method} ${route.path}: path names ${names.join()} but its params schema has ${documented.join()}`);

  const headerParameters: Parameter[] = (route.headers ?? []).map((h) => ({
    name: h.name,
    in: 'header',
    required: !h.schema.isOptional(),
    description: h.description,
    schema: jsonSchema(h.schema instanceof ZodOptional ? h.schema.unwrap() : h.schema),
  }));
  const allParameters = [...pathParameters, ...(route.query ? parameters(route.query, 'query') : []), ...headerParameters];
  const responses: Record<string, Response> = {};
  for (const [status, description] of Object.entries(route.ok)) {
    const type = route.produces ?? 'application/json';
    responses[status] = status === '204' ? { description } : { description, content: { [type]: { schema: {} } } };
  }
  Object.assign(responses, errorResponses(errorsOf(route)));
  if (route.otherwise) {
    responses.default = { description: route.otherwise.description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${route.otherwise.component}` } } } };
  }

  return {
    operationId: `${route.method}${route.path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: route.summary,
    ...(route.description || route.auth === 'admin' ? { description: [route.description, route.auth === 'admin' ? 'Needs the ADMIN role.' : undefined].filter(Boolean).join(' ') } : {}),
    tags: route.tags,
    ...(route.auth === 'none' ? {} : { security: [{ bearerAuth: [] }, { cookieAuth: [] }] }),
    ...(allParameters.length ? { parameters: allParameters } : {}),
    ...(route.body ? { requestBody: { required: !route.body.isOptional(), content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
    responses,
  };
}

const COMPONENTS = {
  schemas: {
    Error: {
      type: 'object',
      description: 'Every error. Some carry more fields, as PaymentDeclined does.',
      properties: { code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
    PaymentDeclined: {
      allOf: [
        { $ref: '#/components/schemas/Error' },
        {
          type: 'object',
          properties: { gatewayCode: { type: 'string', description: 'the card gateway’s own code (e.g. REJECT_CARD_COMPANY)' }, attempts: { type: 'integer', description: 'card declines on this reservation so far' }, payOnSite: { type: 'boolean', description: 'true once no more attempts are allowed: pay at the store' } },
          required: ['gatewayCode', 'attempts', 'payOnSite'],
        },
      ],
    },
  },
  securitySchemes: {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token from POST /auth/login.' },
    cookieAuth: { type: 'apiKey', in: 'cookie', name: 'token', description: 'The HttpOnly cookie POST /auth/login sets.' },
  },
};

/** Builds the document from a route table (the app's own unless told). */
export function buildOpenApiDocument(routes: RouteDoc[] = ROUTES): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    if (item[route.method]) throw new Error(`${route.method} ${route.path} is described twice`);
    item[route.method] = operation(route);
  }
  const tags = [...new Set(routes.flatMap((r) => r.tags))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: { title: 'roomescape', version: '0.1.0', description: 'Room-escape booking: catalogue, holds, reservations and payments. Times are ISO-8601 with offset; every error is `{code, message}`.' },
    tags,
    paths,
    components: COMPONENTS,
  };
}

let cached: { document: OpenApiDocument; json: string } | undefined;

/** The app's document, built on first use and kept (with its JSON text) for the life of the process. */
export function openApiDocument(): { document: OpenApiDocument; json: string } {
  if (!cached) {
    const document = buildOpenApiDocument();
    cached = { document, json: JSON.stringify(document) };
  }
  return cached;
}
