import net from 'node:net';

/**
 * A TCP proxy with a switch, in front of a real server (Postgres, a Kafka broker): a test
 * points one app at the proxy and cuts it to make that server unreachable for that app
 * only, while other test files keep using the real one.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private cut = false;
  private readonly connections = new Set<net.Socket>();

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  /** `host:port` of a URL such as `postgres://postgres@127.0.0.1:5432/accord`. */
  static forUrl(url: string, defaultPort: number): TcpProxy {
    const parsed = new URL(url);
    return new TcpProxy(parsed.hostname, parsed.port ? Number(parsed.port) : defaultPort);
  }

  /** Starts listening on a free local port and returns it. */
  async start(): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  get port(): number {
    return (this.server?.address() as net.AddressInfo).port;
  }

  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string {
    const parsed = new URL(url);
    parsed.hostname = '127.0.0.1';
    parsed.port = String(this.port);
    return parsed.toString();
  }

  /** Drops every open connection and refuses new ones until `restore`. */
  disconnect(): void {
    this.cut = true;
    for (const socket of this.connections) socket.destroy();
    this.connections.clear();
  }

  restore(): void {
    this.cut = false;
  }

  async close(): Promise<void> {
    this.disconnect();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: net.Socket): void {
    if (this.cut) {
      client.destroy();
      return;
    }
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    for (const socket of [client, upstream]) {
      this.connections.add(socket);
      socket.once('close', () => this.connections.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  }
}
