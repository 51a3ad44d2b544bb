import { createHash } from 'node:crypto';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { ImageRejectedError } from '../domain/menu-images.ts';
import { idSchema } from '../protocol/common.ts';
import { IMAGE_UPLOAD_MAX_BYTES, IMAGE_UPLOAD_TYPES, menuImageSchema, menuItemResponseSchema, type MenuImage } from '../protocol/menu.ts';
import type { Services } from '../services.ts';
import { StorageFullError } from '../store/writer.ts';
import { clientAddress, viaGate } from '../gate/mark.ts';
import { resolvePrincipal } from './auth-header.ts';
import { HttpError } from './errors.ts';
import { IDEMPOTENCY_HEADER, readIdempotencyKey, requestHash, runMutation } from './mutations.ts';
import type { MutationRoute } from './route.ts';

export const IMAGE_UPLOAD_PATH = '/api/v1/menu/items/:itemId/image';
const itemParams = z.strictObject({ itemId: idSchema });
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * The write half of an upload, run by the writer like every mutation (Idempotency-Key stored with the
 * answer, the event in the same transaction). Its body is the processed image, never the client's bytes.
 * Not in the route table: that table's mutations take JSON bodies of at most 64 KB (the fast path and
 * express.json share that limit), and a photo is megabytes of binary.
 */
const setImageRoute: MutationRoute<{ itemId: string }, { image: MenuImage | undefined }> = {
  kind: 'mutation',
  method: 'patch',
  path: IMAGE_UPLOAD_PATH,
  summary: 'Upload a photo of an item',
  tag: 'menu',
  access: 'manager',
  responses: { 200: menuItemResponseSchema },
  handle: (req, s) => {
    // the upload is processed unless its key already had an answer, which runMutation then replays
    if (!req.body.image) throw new Error('an upload reached the writer without its processed image');
    return { status: 200, body: { item: s.menu.setItemImage(req.params.itemId, menuImageSchema.parse(req.body.image), req.cmd) } };
  },
};

const mediaTypeOf = (req: Request): string => (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/**
 * `PUT /api/v1/menu/items/:itemId/image`: the photo's bytes as the body (`image/jpeg|png|webp`, ≤ 8 MB),
 * an Idempotency-Key, a manager's token. Who, which item, what type and how big are checked before a
 * byte is read, and the disk: while the storage state is critical or full, photos are refused with 507.
 * The bytes are decoded and the variants written before the writer points the item at them.
 *
 * `GET /media/<sha256>-<width>.webp`: the variants, public like the menu, cached for a year (a new
 * photo is a new URL).
 */
export function mountMenuImages(app: Express, s: Services): void {
  const check = (req: Request, _res: Response, next: NextFunction) => {
    const principal = resolvePrincipal(s, req);
    s.admission.admit(principal, clientAddress(req), true, viaGate(req) !== undefined);
    const { itemId } = itemParams.parse(req.params);
    s.menu.checkMayChangeImages({ principal });
    // before a byte is read or decoded: a photo for no item would be processed and written for nothing
    if (!s.catalog.current().index.items.has(itemId)) throw new HttpError('not_found', `no menu item ${itemId}`, { itemId });
    // photos must not take the last space that orders need: none while the reserve is spent or writes fail
    const storage = s.storage?.status().state;
    if (storage === 'critical' || storage === 'full') throw new StorageFullError(new Error(`storage is ${storage}: photo uploads wait for free space`));
    if (!(IMAGE_UPLOAD_TYPES as readonly string[]).includes(mediaTypeOf(req))) {
      throw new HttpError('unsupported_media_type', `send the photo as one of ${IMAGE_UPLOAD_TYPES.join(', ')}`);
    }
    if (Number(req.headers['content-length'] ?? 0) > IMAGE_UPLOAD_MAX_BYTES) {
      throw new HttpError('payload_too_large', `a photo may be at most ${IMAGE_UPLOAD_MAX_BYTES / 1024 / 1024} MB`);
    }
    readIdempotencyKey(req.headers[IDEMPOTENCY_HEADER], false);
    next();
  };
  // express.raw also enforces the limit on chunked and compressed bodies (413 via the error handler)
  const raw = express.raw({ type: () => true, limit: IMAGE_UPLOAD_MAX_BYTES });

  app.put(IMAGE_UPLOAD_PATH, check, raw, async (req: Request, res: Response, next: NextFunction) => {
    try {
      let gone = false;
      res.once('close', () => (gone = !res.writableFinished));
      const principal = resolvePrincipal(s, req);
      const params = itemParams.parse(req.params);
      const key = readIdempotencyKey(req.headers[IDEMPOTENCY_HEADER], false)!;
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (bytes.length === 0) throw new HttpError('bad_request', 'the body is empty: send the photo');
      // a retry re-sends the same bytes: the key is bound to their digest, not to a re-encoding
      const digest = createHash('sha256').update(bytes).digest('base64url');
      const image = s.idempotency.get(key) ? undefined : await ingest(s, bytes);
      const answer = await runMutation(s, setImageRoute as MutationRoute, {
        principal,
        params,
        body: { image },
        key,
        hash: requestHash('PUT', req.path, { sha256: digest }),
        address: clientAddress(req),
        viaPublicAddress: viaGate(req) !== undefined,
        abandoned: () => gone,
      });
      if (answer.headers) res.set(answer.headers);
      if (answer.replayed) res.set('Idempotent-Replayed', 'true');
      res.status(answer.status).type('application/json').send(answer.json);
    } catch (err) {
      next(err);
    }
  });

  app.get('/media/:name', (req: Request, res: Response, next: NextFunction) => {
    const file = s.media.fileOf(String(req.params.name));
    if (!file) return next();
    // `dotfiles: 'allow'`: the data dir may sit under a hidden directory (~/.brigade); the name itself is a
    // variant's (fileOf), never a dotfile
    res.sendFile(file, { headers: { 'Cache-Control': IMMUTABLE, 'X-Content-Type-Options': 'nosniff' }, cacheControl: false, dotfiles: 'allow' }, (err) => {
      if (err && !res.headersSent) next(new HttpError('not_found', 'no such image'));
    });
  });
}

async function ingest(s: Services, bytes: Buffer): Promise<MenuImage> {
  try {
    return await s.media.ingest(bytes);
  } catch (err) {
    if (err instanceof ImageRejectedError) throw new HttpError('image_invalid', err.message, { reason: err.reason });
    if (err instanceof StorageFullError) {
      // as for a write the writer refused: the guard gives its reserve back, so that orders find room
      s.diskFull();
    }
    throw err;
  }
}
