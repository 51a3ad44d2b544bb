import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { BodyBudget, readBody, type BodyOutcome } from './request-body.ts';

let server: Server | undefined;
const sockets: Socket[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A loopback server that reads each request's body with `readBody` and hands over the outcome. */
async function serve(budget: BodyBudget, deadlineMs = 5000): Promise<{ port: number; next: () => Promise<{ outcome: BodyOutcome; req: IncomingMessage }> }> {
  const outcomes: { outcome: BodyOutcome; req: IncomingMessage }[] = [];
  server = createServer((req, res) => {
    readBody(req, { maxBytes: 100, deadlineMs, budget }, (outcome) => {
      outcomes.push({ outcome, req });
      res.end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    next: async () => {
      for (let i = 0; i < 1000 && outcomes.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const first = outcomes.shift();
      if (!first) throw new Error('no outcome within 10 s');
      return first;
    },
  };
}

async function send(port: number, text: string): Promise<Socket> {
  const s = connect(port, '127.0.0.1');
  sockets.push(s);
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write(text);
  return s;
}

const post = (headers: string, body = '') => `POST /x HTTP/1.1\r\nHost: t\r\n${headers}\r\n${body}`;

describe('a request body read whole before the hub sees it', () => {
  it('is read from its pieces, and its bytes given back to the budget', async () => {
    const budget = new BodyBudget(1000);
    const { port, next } = await serve(budget);
    const s = await send(port, post('Content-Length: 11\r\n', 'hello'));
    await new Promise((r) => setTimeout(r, 50));
    expect(budget.heldBytes).toBe(11);
    s.write(' world');
    const { outcome } = await next();
    expect(outcome.kind === 'read' && outcome.body.toString()).toBe('hello world');
    expect(budget.heldBytes).toBe(0);
  });

  it('is given up on once it has not all come within the deadline', async () => {
    const budget = new BodyBudget(1000);
    const { port, next } = await serve(budget, 200);
    const started = Date.now();
    await send(port, post('Content-Length: 50\r\n', 'only a part'));
    expect((await next()).outcome).toEqual({ kind: 'too-slow' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(budget.heldBytes).toBe(0);
  });

  it('is refused as too large when its declared length, or what a chunked one sends, passes the limit', async () => {
    const { port, next } = await serve(new BodyBudget(1000));
    await send(port, post('Content-Length: 101\r\n'));
    expect((await next()).outcome).toEqual({ kind: 'too-large' });
    await send(port, post('Transfer-Encoding: chunked\r\n', `64\r\n${'x'.repeat(100)}\r\n1\r\nx\r\n0\r\n\r\n`));
    expect((await next()).outcome).toEqual({ kind: 'too-large' });
  });

  it('is refused when the bodies already on their way hold the whole budget', async () => {
    const budget = new BodyBudget(120);
    const { port, next } = await serve(budget);
    await send(port, post('Content-Length: 100\r\n', 'x'));
    await new Promise((r) => setTimeout(r, 50));
    await send(port, post('Content-Length: 30\r\n', 'y'.repeat(30)));
    expect((await next()).outcome).toEqual({ kind: 'too-many' });
    expect(budget.heldBytes).toBe(100);
  });

  it('says the caller is gone when it hangs up mid-body', async () => {
    const budget = new BodyBudget(1000);
    const { port, next } = await serve(budget);
    const s = await send(port, post('Content-Length: 50\r\n', 'part'));
    await new Promise((r) => setTimeout(r, 50));
    s.destroy();
    expect((await next()).outcome).toEqual({ kind: 'gone' });
    expect(budget.heldBytes).toBe(0);
  });
});
