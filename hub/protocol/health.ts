import { z } from 'zod';
import { printerHealthSchema } from './printing.ts';

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
  /** Kitchen printers as their workers last saw them (absent when printing is not set up). */
  printers: z.array(printerHealthSchema).optional(),
});
export type Health = z.infer<typeof healthSchema>;
