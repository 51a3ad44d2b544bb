/**
 * The KDS controller: owns the session, the hub client, the stream and the board, and offers the actions
 * the screen's buttons call. The components only render what it holds.
 */
import type { Health, LineStatus, Menu, Order, Recall, SetLineStatus } from '../../hub/protocol/index.ts';
import { READY_FOOD_KEPT_MS } from '../../hub/protocol/kitchen-snapshot.ts';
import { Clock } from '../shared/clock.ts';
import { askedToWait, HubError, HubUnreachableError, type HubClient } from '../shared/hub-client.ts';
import { language, nameIn, translator } from '../shared/i18n.ts';
import { fromHealth, fromPrintersResponse, PrinterHealthFeed, type PrintersAnswer, type PrinterSnapshot } from '../shared/printer-health.ts';
import { Session } from '../shared/session.ts';
import { load, save } from '../shared/storage.ts';
import { Store } from '../shared/store.ts';
import { StreamClient, type ConnectionState, type SocketFactory } from '../shared/stream-client.ts';
import { addAcks, loadAcks, type Acks } from './acks.ts';
import { KitchenBoard, type Arrival } from './board.ts';
import { kdsMessages } from './messages.ts';
import { chime } from './sound.ts';
import type { View } from './tickets.ts';

export interface Notice {
  id: number;
  text: string;
}

/** How long a ticket flashes after new food reached it (device time). */
export const NEW_FOR_MS = 12_000;

export class KdsApp {
  readonly session = new Session('kds');
  readonly hub: HubClient;
  readonly clock: Clock;
  readonly board = new KitchenBoard();
  /** Bumped on every board change; views subscribe to it. */
  readonly version = new Store(0);
  readonly connection = new Store<ConnectionState>({ status: 'stopped', since: Date.now() });
  readonly menu = new Store<Menu | null>(null);
  readonly tableNames = new Store<ReadonlyMap<string, string>>(new Map());
  readonly view: Store<View | null>;
  readonly muted = new Store<boolean>(load<boolean>('kds.muted') ?? false);
  /** Voided lines a cook has acknowledged on this screen (kept across reloads: acks.ts). */
  readonly dismissed: Store<ReadonlySet<string>>;
  /** Lines with a bump/recall in flight. */
  readonly sending = new Store<ReadonlySet<string>>(new Set());
  readonly notices = new Store<readonly Notice[]>([]);
  /** Ticket (order id) → when new food last reached it on this screen (device time). */
  readonly arrivedAt = new Map<string, number>();
  /** Printer health (topic `printers`): the alert strip under the bar. */
  readonly printers = new PrinterHealthFeed(() => this.loadPrinters(), { dismissedKey: 'kds.printerDismissed' });
  private stream: StreamClient | null = null;
  private readonly fetching = new Set<string>();
  private tablesLoading = false;
  private snapshotsLoaded = 0;
  private noticeSeq = 0;
  private acks: Acks;

  /** `baseUrl`: the hub's address when the app does not run in a page it served (tests in Node). */
  constructor(private readonly env: { search: string; socket?: SocketFactory; baseUrl?: string } = { search: '' }) {
    this.hub = this.session.client(env.baseUrl ? { baseUrl: env.baseUrl } : {});
    this.clock = new Clock(() => this.hub.serverOffsetMs);
    this.view = new Store<View | null>(viewFromUrl(env.search) ?? load<View>('kds.view'));
    this.acks = loadAcks(Date.now());
    this.dismissed = new Store<ReadonlySet<string>>(new Set(Object.keys(this.acks)));
    this.view.subscribe((v) => save('kds.view', v));
    this.muted.subscribe((m) => save('kds.muted', m));
  }

  /** Starts loading the menu and, once paired, the stream; restarts both when the pairing changes. */
  start(): void {
    void this.loadMenu();
    this.session.device.subscribe((d) => (d ? this.startStream() : this.stopStream()));
    this.session.staff.subscribe((s) => s && void this.loadTables());
    if (this.session.device.get()) this.startStream();
    if (this.session.staff.get()) void this.loadTables();
  }

  /** Closes the stream (a test's screen going away; a page simply unloads). */
  stop(): void {
    this.stopStream();
  }

  reconnectNow(): void {
    this.stream?.reconnectNow();
  }

  setView(view: View | null): void {
    this.view.set(view);
  }

  /**
   * The Lock button: back to the PIN pad at once, and the cook's session ended on the hub once what they
   * bumped is answered (`act`).
   */
  lock(): Promise<void> {
    return this.session.signOut();
  }

  // ---- actions ----

  /** Bumps lines: at a station they become ready; at expo, ready lines are served. */
  async bump(order: Order, lineIds: readonly string[]): Promise<void> {
    const view = this.view.get();
    if (!view || lineIds.length === 0) return;
    const status = view.kind === 'expo' ? 'served' : 'ready';
    const movable: readonly LineStatus[] = status === 'ready' ? ['fired', 'preparing'] : ['ready'];
    // only what this screen saw it in: expo serves what it saw ready, not a dish the station recalled meanwhile
    const body = (ids: string[]): SetLineStatus => ({ status, lineIds: ids, from: [...movable] });
    await this.act(lineIds, (cook) => this.whatIsLeft(cook, order.id, lineIds, movable, (id, ids) => cook.post(orderPath(id, 'status'), body(ids))));
  }

  async recall(order: Order, lineIds: readonly string[]): Promise<void> {
    const body = (ids: string[]): Recall => ({ lineIds: ids });
    await this.act(lineIds, async (cook) => {
      const after = await this.whatIsLeft(cook, order.id, lineIds, ['ready'], (id, ids) => cook.post(orderPath(id, 'recall'), body(ids)));
      // unlike a bump (the cook meant "done", and done it is), a recall means "that plate must not go out": one
      // expo served a moment before went out all the same, and the cook has to tell the floor to fetch it
      const served = after.lines.filter((l) => lineIds.includes(l.id) && l.status === 'served');
      if (served.length > 0) {
        const t = translator(kdsMessages, language.get());
        this.say(t('recall.alreadyServed', { names: served.map((l) => nameIn(language.get(), l)).join(', ') }));
        if (!this.muted.get()) chime();
      }
      return after;
    });
  }

  /**
   * Sends `call` for the lines; when the hub refuses because some of them had moved already, sends it once
   * more for those still `movable`, or for none. The hub refuses a whole bump (or recall) when one named line
   * cannot move, and it cannot when the station's other screen (or a waiter, at expo) moved it a moment
   * before this screen heard of it: the cook meant "these are done", and that is what the hub then holds.
   * An order merged into another a moment before (its lines are there now, with their progress) has no
   * such lines any more (404): the call goes to the order they joined.
   */
  private async whatIsLeft(
    cook: AsCook,
    orderId: string,
    lineIds: readonly string[],
    movable: readonly LineStatus[],
    call: (orderId: string, ids: string[]) => Promise<Order>,
  ): Promise<Order> {
    try {
      return await call(orderId, [...lineIds]);
    } catch (err) {
      if (!(err instanceof HubError && (err.code === 'invalid_transition' || err.code === 'not_found'))) throw err;
      let now = await cook.order(orderId);
      if (err.code === 'not_found' && !(now.status === 'merged' && now.mergedIntoOrderId)) throw err;
      // a table merged on again meanwhile: the lines are on the order at the end of the chain (the hub follows
      // it as far, `refuseMergedAway`); stopping at the first hop sent nothing and said nothing
      for (let hops = 0; now.status === 'merged' && now.mergedIntoOrderId && hops < 20; hops++) now = await cook.order(now.mergedIntoOrderId);
      const left = now.lines.filter((l) => lineIds.includes(l.id) && movable.includes(l.status)).map((l) => l.id);
      return left.length === 0 ? now : await call(now.id, left);
    }
  }

  async toggleRush(order: Order): Promise<void> {
    await this.act([], (cook) => cook.post(orderPath(order.id, 'rush'), { rush: !order.rush }));
  }

  /**
   * Acknowledges voided lines on this screen (a local matter: the hub already knows they are void), and
   * remembers it, so a reload — which loads the hub's snapshot, voided orders and lines included — does not
   * show the notice again.
   */
  dismiss(lineIds: readonly string[]): void {
    this.acks = addAcks(this.acks, lineIds, Date.now());
    this.dismissed.set(new Set(Object.keys(this.acks)));
  }

  dropNotice(id: number): void {
    this.notices.set(this.notices.get().filter((n) => n.id !== id));
  }

  /**
   * Sends an action as the cook who tapped it, to its end: the hub client tries again while the hub is away
   * (hub-client.ts, `mutate`), and a cook may lock the screen and another sign in meanwhile. Sent with
   * whoever is signed in by then, a bump would count as theirs, or be refused with nobody signed in; so every
   * call of the action carries the token it was made with, and that session's sign-out waits until the
   * action is answered or given up (`Session.inUse`).
   */
  private async act(lineIds: readonly string[], call: (cook: AsCook) => Promise<Order>): Promise<void> {
    const token = this.session.staffToken();
    if (!token) {
      this.notify(new HubError(401, 'unauthenticated', 'no staff member is signed in'));
      return;
    }
    const done = this.session.inUse(token);
    this.sending.set(new Set([...this.sending.get(), ...lineIds]));
    try {
      // the answer carries the order after the change: show it now, whatever the stream is doing (the board
      // ignores it if the order has left meanwhile: a retry's answer can predate that)
      if (this.board.upsert(await call(this.asCook(token)))) this.changed();
    } catch (err) {
      // the hub refused the session of the cook still signed in here (it expired, a manager ended it): back
      // to the PIN pad, as for any refused token. A cook who locked since is no one's business here.
      if (err instanceof HubError && err.status === 401 && token === this.session.staffToken()) this.session.refused('staff');
      this.notify(err);
    } finally {
      done();
      const left = new Set(this.sending.get());
      for (const id of lineIds) left.delete(id);
      this.sending.set(left);
    }
  }

  /**
   * The hub calls of one action, as the cook `token` belongs to. Presented as `none` with that token: a 401
   * for it (the cook's session ended) must not sign out whoever is at the screen now (`act` sees to the
   * cook still signed in). Through the app's one client, whose answers keep the hub's clock offset current.
   */
  private asCook(token: string): AsCook {
    const as = { as: 'none', bearer: token } as const;
    return {
      post: async (path, body) => (await this.hub.mutate<{ order: Order }>('POST', path, body, as)).order,
      order: async (orderId) => (await this.hub.request<{ order: Order }>('GET', orderPath(orderId), as)).order,
    };
  }

  private notify(err: unknown): void {
    const t = translator(kdsMessages, language.get());
    // the hub's own messages are English: the ones a cook can meet during service have their words here
    const text =
      err instanceof HubUnreachableError
        ? t('error.unknown')
        : err instanceof HubError && err.code === 'forbidden'
          ? t('error.role')
          : err instanceof HubError && err.code === 'order_closed'
            ? t('error.orderClosed')
            : err instanceof HubError && err.code === 'invalid_transition'
              ? t('error.changed')
              : // the hub client waited these out already (`mutate`): the bump did not happen, and the cook must know why
                askedToWait(err)
                ? t(err.status === 507 ? 'error.storageFull' : 'error.busy')
                : t('error.action', { message: err instanceof Error ? err.message : String(err) });
    this.say(text);
  }

  private say(text: string): void {
    const id = ++this.noticeSeq;
    this.notices.set([...this.notices.get(), { id, text }]);
    setTimeout(() => this.dropNotice(id), 8000);
  }

  // ---- data ----

  private async loadMenu(): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        this.menu.set(await this.hub.menu());
        return;
      } catch {
        await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
      }
    }
  }

  /** The printer list with stations and reasons; the public health endpoint if this device may not read it. */
  private async loadPrinters(): Promise<PrinterSnapshot> {
    try {
      // with the stations no printer prints and the tickets that could not print: their alerts are back after a reload
      return fromPrintersResponse(await this.hub.request<PrintersAnswer>('GET', '/api/v1/printers', { as: 'device' }));
    } catch (err) {
      if (err instanceof HubUnreachableError) throw err;
      return { entries: fromHealth(await this.hub.request<Health>('GET', '/api/v1/health', { as: 'none' })) };
    }
  }

  /**
   * Table names for the tickets, retried until the hub answers: a screen that comes up before the hub (a
   * power cut, a reload during a restart) would otherwise show table ids for the rest of the service.
   */
  private async loadTables(): Promise<void> {
    if (this.tablesLoading) return;
    this.tablesLoading = true;
    try {
      for (let attempt = 0; this.session.staff.get(); attempt++) {
        try {
          const floor = await this.hub.floor();
          this.tableNames.set(new Map(floor.tables.map((t) => [t.id, t.name])));
          return;
        } catch (err) {
          // a definite no (signed out, not allowed) is not worth asking again; the ids still show
          if (err instanceof HubError && err.status < 500 && err.status !== 429) return;
          await new Promise((r) => setTimeout(r, Math.min(10_000, 500 * 2 ** attempt)));
        }
      }
    } finally {
      this.tablesLoading = false;
    }
  }

  private startStream(): void {
    this.stopStream();
    this.stream = new StreamClient({
      url: () => {
        const token = this.session.deviceToken();
        return token ? this.hub.streamUrl(token) : null;
      },
      // every order event, not just this station's: `order.placed` carries the whole order (header, other
      // stations' lines for expo), so a screen never has to guess an order it has not seen
      topics: ['orders', 'menu', 'printers'],
      loadSnapshot: () => this.hub.snapshot(),
      onSnapshot: (s) => {
        const arrivals = this.board.loadSnapshot(s);
        // the first snapshot is the screen's start, not news; a later one follows an outage: what came meanwhile
        // chimes and flashes as if it had arrived live, and the menu is read again (its edits were in the gap the
        // reset skipped: target times and colours would stay wrong until a reload)
        if (this.snapshotsLoaded++ > 0) {
          this.arrived(arrivals);
          void this.loadMenu();
        }
        this.changed();
        void this.printers.reload();
      },
      onEvents: (events) => {
        this.printers.apply(events);
        const arrivals = this.board.apply(events);
        this.board.forgetCollected(this.clock.now() - READY_FOOD_KEPT_MS);
        if (events.some((e) => e.type === 'menu.item_updated')) void this.loadMenu();
        this.arrived(arrivals);
        this.fetchPartial();
        this.changed();
      },
      onState: (s) => {
        this.connection.set(s);
        if (s.status === 'unauthorised') this.session.refused('device');
        // the hub is back: a Lock it did not hear ends that session now, whether or not a cook signs in
        if (s.status === 'live') void this.session.sendSignOuts();
      },
      ...(this.env.socket ? { socket: this.env.socket } : {}),
      log: (m, d) => console.warn(`[stream] ${m}`, d ?? ''),
    });
    this.stream.start();
  }

  private stopStream(): void {
    this.stream?.stop();
    this.stream = null;
  }

  private arrived(arrivals: readonly Arrival[]): void {
    const view = this.view.get();
    if (!view) return;
    const mine = arrivals.filter((a) => view.kind === 'expo' || a.lines.some((l) => l.stationId === view.stationId));
    if (mine.length === 0) return;
    const now = Date.now();
    for (const [id, at] of this.arrivedAt) if (now - at > NEW_FOR_MS) this.arrivedAt.delete(id);
    for (const a of mine) this.arrivedAt.set(a.orderId, now);
    if (!this.muted.get()) chime();
  }

  private fetchPartial(): void {
    for (const id of this.board.partial) {
      if (this.fetching.has(id)) continue;
      this.fetching.add(id);
      this.hub
        .order(id)
        .then((o) => this.board.upsert(o) && this.changed())
        .catch(() => undefined)
        .finally(() => this.fetching.delete(id));
    }
  }

  private changed(): void {
    this.version.set(this.version.get() + 1);
  }
}

/** What an action asks the hub, made as one cook (`KdsApp.asCook`). */
interface AsCook {
  /** A change to the order (retried with the same Idempotency-Key while there is no answer); its answer. */
  post(path: string, body: unknown): Promise<Order>;
  order(orderId: string): Promise<Order>;
}

/** `/api/v1/orders/:id`, or one of its actions (the paths hub-client.ts's own order calls use). */
function orderPath(orderId: string, action?: 'status' | 'recall' | 'rush'): string {
  return `/api/v1/orders/${encodeURIComponent(orderId)}${action ? `/${action}` : ''}`;
}

function viewFromUrl(search: string): View | null {
  const station = new URLSearchParams(search).get('station');
  if (!station) return null;
  return station === 'expo' ? { kind: 'expo' } : { kind: 'station', stationId: station };
}
