import { z } from 'zod';
import { shortText } from './common.ts';

/** Kitchen-aware pacing, as real restaurants throttle online orders when the line is slammed. */
export const pacingSchema = z.object({
  /** A manager paused kiosk and QR ordering (staff can still order). */
  publicOrderingPaused: z.boolean(),
  pausedReason: z.string().nullable(),
  /**
   * Orders with food in the kitchen (fired or preparing), counted up to `threshold` + 100: past that the
   * quote is already hours, and counting on would cost every kiosk and QR order time in the writer.
   */
  openTickets: z.number().int(),
  /** Past this many open tickets, kiosk and QR orders get a quoted ready time. */
  threshold: z.number().int(),
  busy: z.boolean(),
  /** The extra wait quoted now on top of an order's own preparation time, or null below the threshold. */
  backlogSeconds: z.number().int().nullable(),
});
export type Pacing = z.infer<typeof pacingSchema>;

export const setPacingSchema = z.strictObject({
  publicOrderingPaused: z.boolean(),
  reason: shortText(140).optional(),
});
export type SetPacing = z.infer<typeof setPacingSchema>;
