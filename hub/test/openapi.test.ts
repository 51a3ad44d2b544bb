/**
 * The OpenAPI document a real hub serves: valid OpenAPI 3.1, and complete against the route list that the
 * HTTP layer actually mounts (`routes` in hub/http/routes.ts).
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allRoutes as routes } from '../http/all-routes.ts';
import { removeDir, startHub, type HubProcess } from './harness.ts';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, unknown>;
}
interface OpenApiDoc {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

let hub: HubProcess;
let doc: OpenApiDoc;

const openApiPath = (expressPath: string) => expressPath.replace(/:(\w+)/g, '{$1}');
const operation = (method: string, path: string): Operation | undefined => doc.paths[path]?.[method];
const label = (r: (typeof routes)[number]) => `${r.method.toUpperCase()} ${r.path}`;

beforeAll(async () => {
  hub = await startHub();
  const r = await hub.request<OpenApiDoc>('GET', '/api/v1/openapi.json');
  if (r.status !== 200) throw new Error(`GET /api/v1/openapi.json answered ${r.status}`);
  doc = r.body;
});

afterAll(async () => {
  if (hub) {
    await hub.stop();
    removeDir(hub.dataDir);
  }
});

describe('GET /api/v1/openapi.json', () => {
  it('is served as JSON', async () => {
    const r = await hub.request('GET', '/api/v1/openapi.json');
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toMatch(/^3\.1\./);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('has a unique operationId on every operation', () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it.each([
    ['get', '/api/v1/stream'],
    ['get', '/api/v1/openapi.json'],
  ])('documents %s %s, which is mounted outside the route list', (method, path) => {
    expect(operation(method, path)).toBeDefined();
  });

  it('documents nothing beyond the route list, the photo upload, the stream and itself', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
    const expected = [
      ...routes.map((r) => `${r.method} ${openApiPath(r.path)}`),
      'put /api/v1/menu/items/{itemId}/image',
      'get /api/v1/stream',
      'get /api/v1/openapi.json',
    ];
    expect(documented.sort()).toEqual(expected.sort());
  });

  it('documents the photo upload, whose body is the image bytes, not JSON (hub/http/menu-images.ts)', () => {
    const put = operation('put', '/api/v1/menu/items/{itemId}/image')!;
    expect(put).toBeDefined();
    expect(Object.keys(put.requestBody?.content ?? {}).sort()).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(put.parameters?.map((p) => `${p.in} ${p.name} ${p.required}`)).toEqual(['path itemId true', 'header Idempotency-Key true']);
    expect(Object.keys(put.responses ?? {})).toEqual(expect.arrayContaining(['200', '404', '413', '415', '422', '507']));
  });
});

describe.each(routes.map((r) => [label(r), r] as const))('%s', (_label, route) => {
  const path = openApiPath(route.path);

  it(`is documented as ${route.method} ${path}`, () => {
    expect(operation(route.method, path)).toBeDefined();
  });

  it('declares each path parameter as required', () => {
    const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
    const declared = (operation(route.method, path)?.parameters ?? []).filter((p) => p.in === 'path');
    expect(declared.map((p) => p.name).sort()).toEqual(names.sort());
    expect(declared.every((p) => p.required === true)).toBe(true);
  });

  if (route.kind === 'mutation') {
    it(`declares the Idempotency-Key header${route.idempotencyOptional ? ' (optional for this auth handshake)' : ' as required'}`, () => {
      const header = operation(route.method, path)?.parameters?.find((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key');
      expect(header).toBeDefined();
      expect(header?.required).toBe(!route.idempotencyOptional);
    });
  }

  if (route.body) {
    it('declares its required JSON request body with a schema', () => {
      const body = operation(route.method, path)?.requestBody;
      expect(body?.required).toBe(true);
      expect(body?.content?.['application/json']?.schema).toEqual(expect.any(Object));
    });
  } else {
    it('declares no request body', () => {
      expect(operation(route.method, path)?.requestBody).toBeUndefined();
    });
  }

  // regression: pairing is public (the code is in the body) but was documented as needing a bearer token
  it(route.access.startsWith('public') ? 'needs no token' : 'declares the bearer token', () => {
    const security = (operation(route.method, path) as { security?: unknown } | undefined)?.security;
    if (route.access.startsWith('public')) expect(security).toBeUndefined();
    else expect(security).toEqual([{ bearer: [] }]);
  });

  it('documents each of its declared response statuses', () => {
    const responses = Object.keys(operation(route.method, path)?.responses ?? {});
    expect(responses).toEqual(expect.arrayContaining(Object.keys(route.responses)));
  });
});
