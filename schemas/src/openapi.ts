import { z } from 'zod';
import { ErrorBody } from './errors';
import { CreateEntryBody, Entry, EntryList, PatchEntryBody } from './entries';
import { ChangesResponse } from './events';
import { CreateTickerBody, PatchTickerBody, Ticker, TickerList } from './tickers';

/** Schemas by name, as emitted to JSON Schema files and OpenAPI components. */
export const NAMED_SCHEMAS: Record<string, z.ZodType> = {
  Ticker,
  TickerList,
  CreateTickerBody,
  PatchTickerBody,
  Entry,
  EntryList,
  CreateEntryBody,
  PatchEntryBody,
  ChangesResponse,
  ErrorBody,
};

/** Adds schemas to the OpenAPI components (the accounts and chat modules register theirs). */
export function registerSchemas(more: Record<string, z.ZodType>): void {
  Object.assign(NAMED_SCHEMAS, more);
}

export interface RouteDoc {
  method: 'get' | 'post' | 'patch' | 'delete' | 'put';
  path: string;
  summary: string;
  body?: string;
  response?: string;
  status?: number;
  auth?: boolean;
  query?: string[];
}

export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/tickers', summary: 'List tickers, newest first', response: 'TickerList', query: ['limit', 'cursor', 'status'] },
  { method: 'post', path: '/tickers', summary: 'Create a ticker (editor)', body: 'CreateTickerBody', response: 'Ticker', status: 201, auth: true },
  { method: 'get', path: '/tickers/{id}', summary: 'One ticker', response: 'Ticker' },
  { method: 'patch', path: '/tickers/{id}', summary: 'Change a ticker (editor)', body: 'PatchTickerBody', response: 'Ticker', auth: true },
  { method: 'get', path: '/tickers/{id}/entries', summary: 'Entries, cursor-paged, pinned apart', response: 'EntryList', query: ['order', 'limit', 'cursor'] },
  { method: 'post', path: '/tickers/{id}/entries', summary: 'Post an entry (editor)', body: 'CreateEntryBody', response: 'Entry', status: 201, auth: true },
  { method: 'get', path: '/tickers/{id}/entries/{entryId}', summary: 'One entry', response: 'Entry' },
  { method: 'patch', path: '/tickers/{id}/entries/{entryId}', summary: 'Edit an entry; a stale version is a 409 (editor)', body: 'PatchEntryBody', response: 'Entry', auth: true },
  { method: 'delete', path: '/tickers/{id}/entries/{entryId}', summary: 'Delete an entry, leaving a tombstone (editor)', response: 'Entry', auth: true },
  { method: 'get', path: '/tickers/{id}/changes', summary: 'Changes of the ticker stream after a revision', response: 'ChangesResponse', query: ['since'] },
];

export function addRoutes(more: RouteDoc[]): void {
  ROUTES.push(...more);
}

export function toJsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/** The OpenAPI 3.1 document of the REST API. */
export function openApiDocument(serverUrl = '/api/v1'): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const params = [
      ...[...r.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(r.query ?? []).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
    ];
    const op: Record<string, unknown> = {
      summary: r.summary,
      parameters: params,
      responses: {
        [String(r.status ?? 200)]: {
          description: 'OK',
          content: r.response ? { 'application/json': { schema: { $ref: `#/components/schemas/${r.response}` } } } : undefined,
        },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } },
      },
    };
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: { $ref: `#/components/schemas/${r.body}` } } } };
    if (r.auth) op.security = [{ bearer: [] }, { cookie: [] }];
    (paths[r.path] ??= {})[r.method] = op;
  }
  const schemas = Object.fromEntries(Object.entries(NAMED_SCHEMAS).map(([name, s]) => [name, toJsonSchema(s)]));
  return {
    openapi: '3.1.0',
    info: { title: 'liveticker', version: '1.0.0', description: 'Live newsticker and chat API' },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer' },
        cookie: { type: 'apiKey', in: 'cookie', name: 'lt_session' },
      },
    },
  };
}
