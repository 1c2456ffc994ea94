/**
 * The exchange's transport between processes on one host (local-cluster): each executor process runs a
 * block service on a loopback TCP port; a worker thread that publishes a block consumed in another
 * process sends it there directly (executor to executor, never through the driver).
 *
 * Every connection is authenticated with the application's shared secret by a mutual challenge
 * (HMAC-SHA256 over single-use nonces; the secret never travels): client nonce -> server nonce +
 * server proof -> client proof. Only then are frames accepted:
 * `[u32 length of the rest][u16 id length][exchange id utf-8][u32 block][u32 version][payload bytes]`.
 * Writes respect back-pressure (a full socket buffer waits for 'drain').
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { engineError } from '../catalogue.ts';
import type { ExchangeArena } from './exchange.ts';

const NONCE = 32;
const PROOF = 32;
const HANDSHAKE_MS = 10_000;
/** Largest frame accepted (a block of 256M float32 values). */
const MAX_FRAME = 1 << 30;

function proof(secret: string, role: 'S' | 'C', nonce: Buffer): Buffer {
  return createHmac('sha256', secret).update(`flint-block-v1/${role}/`).update(nonce).digest();
}

/** Reads exactly n bytes from a socket's byte stream (buffered across 'data' events). */
class Reader {
  private chunks: Buffer[] = [];
  private have = 0;
  private waiter: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;

  constructor(socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.chunks.push(d);
      this.have += d.length;
      this.pump();
    });
    const fail = (e: Error) => {
      this.failed ??= e;
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(this.failed);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(engineError('INTERNAL', 'block service connection closed')));
  }

  read(n: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.waiter = { n, resolve, reject };
      this.pump();
    });
  }

  private pump(): void {
    const w = this.waiter;
    if (w === undefined || this.have < w.n) return;
    const all = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    const out = all.subarray(0, w.n);
    const rest = all.subarray(w.n);
    this.chunks = rest.length ? [rest] : [];
    this.have = rest.length;
    this.waiter = undefined;
    w.resolve(out);
  }
}

/**
 * The block service of one process: accepts authenticated connections on 127.0.0.1 and writes every
 * frame into the arena of its exchange, then publishes the block's version there.
 */
export class BlockService {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly secret: string, private readonly arena: (exchangeId: string) => ExchangeArena | undefined) {}

  /** Starts listening (once) and returns the port. */
  async start(): Promise<number> {
    if (this.server === undefined) {
      const server = createServer((s) => this.serve(s));
      this.server = server;
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      server.unref();
    }
    return (this.server.address() as { port: number }).port;
  }

  private async serve(socket: Socket): Promise<void> {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    const reader = new Reader(socket);
    const timer = setTimeout(() => socket.destroy(), HANDSHAKE_MS);
    try {
      const clientNonce = await reader.read(NONCE);
      const serverNonce = randomBytes(NONCE);
      socket.write(Buffer.concat([serverNonce, proof(this.secret, 'S', clientNonce)]));
      const got = await reader.read(PROOF);
      if (!timingSafeEqual(got, proof(this.secret, 'C', serverNonce))) {
        socket.destroy();
        return;
      }
      clearTimeout(timer);
      for (;;) {
        const len = (await reader.read(4)).readUInt32LE(0);
        if (len < 10 || len > MAX_FRAME) throw engineError('INTERNAL', `block service: bad frame length ${len}`);
        const frame = await reader.read(len);
        const idLen = frame.readUInt16LE(0);
        const id = frame.toString('utf8', 2, 2 + idLen);
        const block = frame.readUInt32LE(2 + idLen);
        const version = frame.readUInt32LE(6 + idLen);
        const a = this.arena(id);
        // A frame for an exchange this process no longer holds (a finished or aborted group) is dropped.
        if (a === undefined || a.aborted) continue;
        a.writeBytes(block, frame.subarray(10 + idLen));
        a.publish(block, version);
      }
    } catch {
      socket.destroy();
    } finally {
      clearTimeout(timer);
    }
  }

  stop(): void {
    for (const s of this.sockets) s.destroy();
    this.server?.close();
    this.server = undefined;
  }
}

/** Authenticated connections from this thread to block services, one per port. */
const connections = new Map<number, Promise<Socket>>();

async function open(port: number, secret: string): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  const timer = setTimeout(() => socket.destroy(engineError('EXCHANGE_TIMEOUT', `block service on port ${port} did not complete the handshake in ${HANDSHAKE_MS} ms`)), HANDSHAKE_MS);
  try {
    await once(socket, 'connect');
    const reader = new Reader(socket);
    const clientNonce = randomBytes(NONCE);
    socket.write(clientNonce);
    const reply = await reader.read(NONCE + PROOF);
    const serverNonce = reply.subarray(0, NONCE);
    if (!timingSafeEqual(reply.subarray(NONCE), proof(secret, 'S', clientNonce))) {
      throw engineError('INTERNAL', `block service on port ${port} failed authentication (wrong secret)`);
    }
    socket.write(proof(secret, 'C', serverNonce));
    socket.unref();
    socket.on('close', () => connections.delete(port));
    return socket;
  } catch (e) {
    socket.destroy();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Sends one block version to the block service on `port`; resolves once the bytes are handed to the socket (waiting for 'drain' when it is full). */
export async function sendBlock(port: number, secret: string, exchangeId: string, block: number, version: number, bytes: Uint8Array): Promise<void> {
  let c = connections.get(port);
  if (c === undefined) {
    c = open(port, secret);
    connections.set(port, c);
    c.catch(() => connections.delete(port));
  }
  const socket = await c;
  const id = Buffer.from(exchangeId, 'utf8');
  const head = Buffer.allocUnsafe(14 + id.length);
  head.writeUInt32LE(10 + id.length + bytes.length, 0);
  head.writeUInt16LE(id.length, 4);
  id.copy(head, 6);
  head.writeUInt32LE(block, 6 + id.length);
  head.writeUInt32LE(version, 10 + id.length);
  socket.write(head);
  // Copied: the arena's memory may be rewritten by a later version while the socket still queues it.
  if (!socket.write(Buffer.from(bytes))) await once(socket, 'drain');
}
