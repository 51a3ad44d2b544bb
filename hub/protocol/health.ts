import { z } from 'zod';

export const healthSchema = z.object({
  status: z.literal('ok'),
  storeId: z.string(),
  storeName: z.string(),
  epoch: z.string(),
  seq: z.number().int(),
  uptimeS: z.number(),
  version: z.string(),
  streamClients: z.number().int(),
  writeQueueDepth: z.number().int(),
  eventLoopLagMs: z.number(),
});
export type Health = z.infer<typeof healthSchema>;
