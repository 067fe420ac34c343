import { ZodOptional, type ZodTypeAny } from 'zod';
import { zodToJsonSchema } from 'zod-to-json-schema';
import type { Operation } from '../routes/table.js';
import { answersOf } from './answers.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, JsonSchema>; required?: string[] };

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description: string };
  tags: { name: string }[];
  paths: Record<string, Record<string, OperationObject>>;
  components: Record<string, Record<string, unknown>>;
}

export interface OperationObject {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Record<string, string[]>[];
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema; examples?: Record<string, { summary: string; value: unknown }> }> };
  responses: Record<string, ResponseObject>;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  description?: string;
  schema: JsonSchema;
}

interface ResponseObject {
  description: string;
  headers?: Record<string, { description: string; schema: JsonSchema }>;
  content?: Record<string, { schema: JsonSchema; example?: unknown; examples?: Record<string, { value: unknown }> }>;
}

/**
 * A schema as JSON Schema. What a client sends is shown as sent (`effectStrategy: 'input'`), so an
 * id is an integer though a decimal string is also taken, and refinements that JSON Schema cannot
 * say (`to` not before `from`) are left to the 400 message. Answers have no effects.
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

/** `/schedules/:id/hold` as OpenAPI writes it: `/schedules/{id}/hold`. */
export const openApiPath = (path: string): string => path.replace(/:(\w+)/g, '{$1}');

function responses(op: Operation): Record<string, ResponseObject> {
  const out: Record<string, ResponseObject> = {};
  for (const [status, answer] of answersOf(op)) {
    const response: ResponseObject = { description: answer.description };
    if (answer.headers) response.headers = Object.fromEntries(Object.entries(answer.headers).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
    if (answer.type && answer.schema) {
      const media: NonNullable<ResponseObject['content']>[string] = { schema: jsonSchema(answer.schema) };
      if (answer.example !== undefined) media.example = answer.example;
      if (answer.examples) media.examples = Object.fromEntries(Object.entries(answer.examples).map(([name, value]) => [name, { value }]));
      response.content = { [answer.type]: media };
    }
    out[status] = response;
  }
  return out;
}

function operationObject(op: Operation): OperationObject {
  const path = openApiPath(op.path);
  const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const pathParameters = op.params ? parameters(op.params, 'path') : [];
  const documented = pathParameters.map((p) => p.name);
  if (names.join() !== documented.join()) throw new Error(`${op.method} ${op.path}: path names ${names.join()} but its params schema has ${documented.join()}`);

  const headerParameters: Parameter[] = (op.headers ?? []).map((h) => ({
    name: h.name,
    in: 'header',
    required: !h.schema.isOptional(),
    description: h.description,
    schema: jsonSchema(h.schema instanceof ZodOptional ? h.schema.unwrap() : h.schema),
  }));
  const allParameters = [...pathParameters, ...(op.query ? parameters(op.query, 'query') : []), ...headerParameters];
  const description = [op.description, op.access === 'admin' ? 'Needs the ADMIN role.' : undefined].filter(Boolean).join(' ');

  return {
    operationId: `${op.method}${path.replace(/\{(\w+)\}/g, 'By-$1').replace(/[^A-Za-z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: op.summary,
    ...(description ? { description } : {}),
    tags: op.tags,
    ...(op.access === 'public' ? {} : { security: [{ bearerAuth: [] }, { cookieAuth: [] }] }),
    ...(allParameters.length ? { parameters: allParameters } : {}),
    ...(op.body
      ? { requestBody: { required: !op.body.isOptional(), content: { 'application/json': { schema: jsonSchema(op.body), ...(op.bodyExamples ? { examples: op.bodyExamples } : {}) } } } }
      : {}),
    responses: responses(op),
  };
}

const COMPONENTS = {
  schemas: {
    Error: {
      type: 'object',
      description: 'Every refusal and fault: `code` and `message`, and for some codes more fields (each response lists its codes and their fields).',
      properties: { code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
  securitySchemes: {
    bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The token from POST /auth/login.' },
    cookieAuth: { type: 'apiKey', in: 'cookie', name: 'token', description: 'The HttpOnly cookie POST /auth/login sets.' },
  },
};

/** Builds the document from an operation table. */
export function buildOpenApiDocument(table: readonly Operation[]): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  for (const op of table) {
    const item = (paths[openApiPath(op.path)] ??= {});
    if (item[op.method]) throw new Error(`${op.method} ${op.path} is declared twice`);
    item[op.method] = operationObject(op);
  }
  const tags = [...new Set(table.flatMap((op) => op.tags))].map((name) => ({ name }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'roomescape',
      version: '0.1.0',
      description: 'Room-escape booking: catalogue, holds, reservations and payments. Times are ISO-8601 with offset; every error is `{code, message}`, some with more fields.',
    },
    tags,
    paths,
    components: COMPONENTS,
  };
}

const built = new WeakMap<readonly Operation[], { document: OpenApiDocument; json: string }>();

/** The table's document, built on first use and kept (with its JSON text) for the life of the process. */
export function openApiDocument(table: readonly Operation[]): { document: OpenApiDocument; json: string } {
  let cached = built.get(table);
  if (!cached) {
    const document = buildOpenApiDocument(table);
    built.set(table, (cached = { document, json: JSON.stringify(document) }));
  }
  return cached;
}
