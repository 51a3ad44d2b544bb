import { z } from 'zod';
import { IMAGE_UPLOAD_MAX_BYTES, IMAGE_UPLOAD_TYPES, menuItemResponseSchema } from '../protocol/menu.ts';
import { helloSchema, serverMessageSchema } from '../protocol/stream.ts';
import { IDEMPOTENCY_HEADER } from './mutations.ts';
import type { Route } from './route.ts';

const schemaOf = (schema: z.ZodType, io: 'input' | 'output') =>
  z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' });

const errorRef = { $ref: '#/components/schemas/Error' };

/**
 * OpenAPI 3.1 generated from the same route list and zod schemas that validate requests: every route is
 * in it by construction.
 */
export function buildOpenApi(routes: readonly Route[], info: { version: string; storeName: string }) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const name of route.path.match(/:(\w+)/g) ?? []) {
      parameters.push({ name: name.slice(1), in: 'path', required: true, schema: { type: 'string' } });
    }
    if (route.kind === 'read' && route.query) {
      const q = schemaOf(route.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(q.properties ?? {})) {
        parameters.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
      }
    }
    if (route.kind === 'mutation') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: !route.idempotencyOptional,
        description: 'Made on the device, unique per intended mutation; a replay returns the original response.',
        schema: { type: 'string', minLength: 8, maxLength: 255 },
      });
    }
    const responses: Record<string, unknown> = {};
    for (const [status, schema] of Object.entries(route.responses)) {
      responses[status] =
        status === '304'
          ? { description: 'Not modified' }
          : { description: status.startsWith('2') ? 'OK' : 'Error', content: { 'application/json': { schema: schemaOf(schema, 'output') } } };
    }
    responses['4XX'] ??= { description: 'Client error', content: { 'application/json': { schema: errorRef } } };
    responses['default'] = { description: 'Unexpected error', content: { 'application/json': { schema: errorRef } } };
    const op: Record<string, unknown> = {
      operationId: `${route.method}${route.path.replace(/^\/api\/v1/, '').replace(/[/:-](\w)/g, (_, c: string) => c.toUpperCase())}`,
      summary: route.summary,
      description: `Access: ${route.access}.`,
      tags: [route.tag],
      parameters,
      responses,
    };
    if (route.kind === 'mutation' && route.body) {
      op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(route.body, 'input') } } };
    }
    // 'public (with a valid pairing code)' is public too: the credential is in the body, not a bearer token
    if (!route.access.startsWith('public')) op.security = [{ bearer: [] }];
    (paths[path] ??= {})[route.method] = op;
  }
  paths['/api/v1/stream'] = {
    get: {
      operationId: 'getStream',
      summary: 'WebSocket event stream (upgrade). Send `hello` with your last seq; receive replay, then live events.',
      description: `Token in \`Authorization: Bearer\` or \`?token=\`. Client message: see x-client-message; server messages: x-server-messages. ${IDEMPOTENCY_HEADER} not used.`,
      tags: ['stream'],
      parameters: [{ name: 'token', in: 'query', required: false, schema: { type: 'string' } }],
      responses: { '101': { description: 'Switching protocols to WebSocket' }, '401': { description: 'No valid token' } },
      'x-client-message': schemaOf(helloSchema, 'input'),
      'x-server-messages': schemaOf(serverMessageSchema, 'output'),
    },
  };
  // mounted by menu-images.ts, not in the route list: its body is megabytes of image, not JSON
  paths['/api/v1/menu/items/{itemId}/image'] = {
    ...paths['/api/v1/menu/items/{itemId}/image'],
    put: {
      operationId: 'putMenuItemsItemIdImage',
      summary: `Upload a photo of an item: the image bytes as the body (at most ${IMAGE_UPLOAD_MAX_BYTES / 1048576} MB); the hub stores resized WebP variants`,
      description: 'Access: manager.',
      tags: ['menu'],
      parameters: [
        { name: 'itemId', in: 'path', required: true, schema: { type: 'string' } },
        { name: 'Idempotency-Key', in: 'header', required: true, description: 'Made on the device; a replay returns the original response.', schema: { type: 'string', minLength: 8, maxLength: 255 } },
      ],
      requestBody: { required: true, content: Object.fromEntries(IMAGE_UPLOAD_TYPES.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }])) },
      responses: {
        '200': { description: 'OK', content: { 'application/json': { schema: schemaOf(menuItemResponseSchema, 'output') } } },
        ...Object.fromEntries(
          [
            ['404', 'no such item'],
            ['413', 'larger than the limit'],
            ['415', 'not a JPEG, PNG or WebP'],
            ['422', 'not an image (or not one the hub can decode)'],
            ['507', "the hub's disk is critical or full"],
          ].map(([status, description]) => [status, { description: description!, content: { 'application/json': { schema: errorRef } } }]),
        ),
        default: { description: 'Unexpected error', content: { 'application/json': { schema: errorRef } } },
      },
      security: [{ bearer: [] }],
    },
  };
  paths['/api/v1/openapi.json'] = {
    get: { operationId: 'getOpenApi', summary: 'This document', tags: ['system'], responses: { '200': { description: 'OpenAPI 3.1 document' } } },
  };
  return {
    openapi: '3.1.0',
    info: { title: 'Brigade hub API', version: info.version, description: `The in-store hub of ${info.storeName}. Money is integer minor units; times are UTC epoch ms.` },
    servers: [{ url: '/' }],
    tags: [...new Set(routes.map((r) => r.tag)), 'stream'].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'dev_… device, stf_… staff session, or tbl_… table QR token' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } },
          },
        },
      },
    },
  };
}
