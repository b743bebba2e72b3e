import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';

/**
 * A kafkajs socket factory with a switch: while cut, every connection to the (real)
 * brokers fails and open ones are dropped — Kafka is unreachable from this client only,
 * so a test can take "Kafka down" without stopping the broker other test files share.
 */
export class NetworkSwitch {
  private cut = false;
  private readonly sockets = new Set<net.Socket>();

  readonly socketFactory: ISocketFactory = ({ host, port, ssl, onConnect }) => {
    const socket = ssl ? tls.connect({ host, port, ...(typeof ssl === 'object' ? ssl : {}) }, onConnect) : net.connect({ host, port }, onConnect);
    if (this.cut) {
      // Fail asynchronously, as a refused connection would.
      setImmediate(() => socket.destroy(new Error('connect ECONNREFUSED (network switch is cut)')));
      return socket;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    return socket;
  };

  disconnect(): void {
    this.cut = true;
    for (const socket of this.sockets) socket.destroy();
  }

  reconnect(): void {
    this.cut = false;
  }
}
