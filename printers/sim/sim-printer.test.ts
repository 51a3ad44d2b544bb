import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BARRIER, INIT, PARTIAL_CUT, asb, statusRequest } from '../protocol/commands.ts';
import { renderTicket } from '../render/ticket.ts';
import { contractTicket } from '../transport/transport-contract.ts';
import { TEST_PROFILE } from './sim-harness.ts';
import { SimPrinter } from './sim-printer.ts';

/** A bare client that records every `data` event separately. */
async function rawClient(port: number): Promise<{ socket: net.Socket; chunks: Buffer[]; bytes: () => number[] }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, chunks, bytes: () => chunks.flatMap((c) => [...c]) };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 1000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

describe('SimPrinter', () => {
  let sim: SimPrinter | undefined;
  let sockets: net.Socket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.destroy();
    sockets = [];
    await sim?.stop();
    sim = undefined;
  });

  it('answers DLE EOT at once while holding a job, and GS r 1 only after the held job printed', async () => {
    sim = await SimPrinter.start();
    sim.setPaperOut(true);
    const c = await rawClient(sim.port);
    sockets.push(c.socket);
    c.socket.write(Buffer.concat([renderTicket(contractTicket(1), TEST_PROFILE), BARRIER, statusRequest(4)]));
    await until(() => c.bytes().length === 1);
    expect(c.bytes()).toEqual([0x72]); // paper out, answered while the job waits
    await sleep(100);
    expect(sim.tickets).toHaveLength(0);
    let ticketsWhenBarrierCame = -1;
    c.socket.on('data', () => (ticketsWhenBarrierCame = sim?.tickets.length ?? -1));
    sim.setPaperOut(false);
    await until(() => c.bytes().length === 2);
    expect(c.bytes()[1]).toBe(0x00); // GS r 1 reply: paper present
    expect(ticketsWhenBarrierCame).toBe(1);
  });

  it('can send each status byte in its own segment', async () => {
    sim = await SimPrinter.start({ splitStatusReplies: true });
    const c = await rawClient(sim.port);
    sockets.push(c.socket);
    c.socket.write(Buffer.concat([statusRequest(1), statusRequest(2), statusRequest(4)]));
    await until(() => c.bytes().length === 3);
    expect(c.chunks.map((ch) => ch.length)).toEqual([1, 1, 1]);
    expect(c.bytes()).toEqual([0x12, 0x12, 0x12]);
  });

  it('sends ASB frames after GS a, on every status change, and stops after ESC @', async () => {
    sim = await SimPrinter.start();
    const c = await rawClient(sim.port);
    sockets.push(c.socket);
    c.socket.write(asb(0xff));
    await until(() => c.bytes().length === 4);
    expect(c.bytes()[0]).toBe(0x10);
    sim.setCoverOpen(true);
    await until(() => c.bytes().length === 8);
    expect(c.bytes()[4]).toBe(0x10 | 0x08 | 0x20); // offline + cover open
    sim.setCoverOpen(false);
    await until(() => c.bytes().length === 12);
    c.socket.write(INIT);
    await sleep(50);
    sim.setCoverOpen(true);
    await sleep(50);
    expect(c.bytes()).toHaveLength(12);
  });

  it('refuses connections while rebooting and forgets the half-received command', async () => {
    sim = await SimPrinter.start();
    const c = await rawClient(sim.port);
    c.socket.write(Buffer.from([0x1d, 0x28, 0x6b, 0x10, 0x00])); // waits for 16 data bytes
    await until(() => sim?.isMidCommand === true);
    const back = sim.reboot(300);
    await sleep(50);
    await expect(rawClient(sim.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await back;
    expect(sim.isMidCommand).toBe(false);
    const again = await rawClient(sim.port);
    sockets.push(again.socket);
    again.socket.write(statusRequest(1));
    await until(() => again.bytes().length === 1);
  });

  it('forgets a line it was printing when rebooted: it does not turn up on the next ticket', async () => {
    sim = await SimPrinter.start({ msPerLine: 120 });
    const c = await rawClient(sim.port);
    c.socket.write(Buffer.from('line of the lost job\n'));
    await until(() => (sim?.stats.bytesReceived ?? 0) > 0);
    await sleep(30); // the head is printing that line
    await sim.reboot(20);
    await sleep(150); // past the end of the line that was being printed
    const again = await rawClient(sim.port);
    sockets.push(again.socket);
    again.socket.write(Buffer.concat([INIT, Buffer.from('#7\n'), PARTIAL_CUT]));
    const [ticket] = await sim.waitForTickets(1, 2000);
    expect(ticket?.text).toBe('#7');
  });

  it('keeps only the latest tickets when told to, and still counts and waits for every one', async () => {
    sim = await SimPrinter.start({ keepTickets: 2 });
    const c = await rawClient(sim.port);
    sockets.push(c.socket);
    for (const n of [1, 2, 3, 4]) c.socket.write(Buffer.concat([INIT, Buffer.from(`#${n}\n`), PARTIAL_CUT]));
    await sim.waitForTickets(4, 2000);
    expect(sim.printedCount).toBe(4);
    expect(sim.tickets.map((t) => t.text)).toEqual(['#3', '#4']);
  });

  it('answers nothing after a silent power-off, but keeps the socket open', async () => {
    sim = await SimPrinter.start();
    const c = await rawClient(sim.port);
    sockets.push(c.socket);
    sim.powerOff();
    c.socket.write(statusRequest(1));
    await sleep(150);
    expect(c.bytes()).toEqual([]);
    expect(c.socket.destroyed).toBe(false);
  });
});
