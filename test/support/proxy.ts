// A TCP proxy in front of the database, to cut the daemon off from it and bring it back.
import net from 'node:net';

export interface Proxy {
  readonly port: number;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 and forwards to a TCP address or a unix socket path. */
export async function startProxy(target: { host: string; port: number } | { path: string }): Promise<Proxy> {
  const open = new Set<net.Socket>();
  let cut = false;
  const server = net.createServer((client) => {
    if (cut) return client.destroy();
    const upstream = 'path' in target ? net.createConnection(target.path) : net.createConnection(target.port, target.host);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      open.add(a);
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
      a.on('error', () => b.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      cut = true;
      for (const socket of open) socket.destroy();
    },
    restore() {
      cut = false;
    },
    close() {
      for (const socket of open) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
