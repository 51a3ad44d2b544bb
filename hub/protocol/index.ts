/** The hub's wire contract: imported by the hub, its clients and its tests. zod only. */
export * from './common.ts';
export * from './errors.ts';
export * from './menu.ts';
export * from './floor.ts';
export * from './orders.ts';
export * from './auth.ts';
export * from './events.ts';
export * from './stream.ts';
export * from './health.ts';
export * from './kitchen.ts';
export * from './printing.ts';
export * from './card-charges.ts';
export * from './reports.ts';
export * from './staff.ts';
