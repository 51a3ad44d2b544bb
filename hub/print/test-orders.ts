/**
 * For printing's tests: the order service on the demo store, its commands run through the real single
 * writer, each in a transaction of its own (so print jobs are planned as the hub plans them, in the
 * transaction of the order change that needs them).
 */
import { monotonicFactory } from 'ulidx';
import { OrderService } from '../domain/order-service.ts';
import { KitchenService } from '../domain/pacing.ts';
import type { CommandContext } from '../domain/ports.ts';
import type { Principal } from '../domain/principal.ts';
import { readIdentity, type Db } from '../store/db.ts';
import { SqliteFloorRepo } from '../store/floor-repo.ts';
import { SqliteKitchenRepo } from '../store/kitchen-repo.ts';
import { MenuCatalog } from '../store/menu-repo.ts';
import { SqliteOrderRepo } from '../store/order-repo.ts';
import type { Tx, Writer } from '../store/writer.ts';

export function ordersOnWriter(db: Db, writer: Writer, asWho: Principal) {
  const ulid = monotonicFactory();
  const catalog = new MenuCatalog(db, readIdentity(db).epoch, 'CNY');
  const orders = new OrderService({
    orders: new SqliteOrderRepo(db),
    floor: new SqliteFloorRepo(db),
    stock: catalog,
    kitchen: new KitchenService(new SqliteKitchenRepo(db), { threshold: 1000, secondsPerTicket: 60 }),
  });
  const ctx = (tx: Tx, principal: Principal): CommandContext => ({
    principal,
    now: tx.now,
    newId: () => ulid(),
    menu: catalog.current().index,
    timeZone: 'Asia/Shanghai',
    events: {
      emit: (type, payload, topics) =>
        tx.append({ type, payload, topics, deviceId: 'dev-1', staffId: principal.kind === 'staff' ? principal.staffId : null }),
    },
  });
  /** Runs a command as `principal` (default `asWho`) through the writer. */
  const run = <R>(fn: (c: CommandContext) => R, principal: Principal = asWho) => writer.submit((tx) => fn(ctx(tx, principal)));
  return { orders, run };
}
