import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a TestEndpoint answered. */
export interface ReceivedRequest {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

/**
 * A partner's HTTP endpoint (a webhook receiver) on loopback: records every request it
 * answers; `answer` decides the status; `stop` and `start` take it off the network and
 * back on the same port.
 */
export class TestEndpoint {
  readonly requests: ReceivedRequest[] = [];
  answer: (body: string) => number = () => 204;
  private server: Server | undefined;
  port = 0;

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const status = this.answer(body);
        this.requests.push({ headers: request.headers, body, status });
        response.writeHead(status).end();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(this.port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/accord/webhook`;
  }

  /** Accepted deliveries, their bodies parsed. */
  accepted(): Array<{ id: string; event: any; headers: IncomingHttpHeaders }> {
    return this.requests
      .filter((request) => request.status < 300)
      .map((request) => ({ id: String(request.headers['webhook-id']), event: JSON.parse(request.body), headers: request.headers }));
  }
}
