import { Client } from 'pg';
import { TcpProxy, TEST_POSTGRES_URL } from '@accord/testing';

describe('TcpProxy in front of the real Postgres', () => {
  it('passes queries through, refuses them while cut, and passes them again once restored', async () => {
    const proxy = TcpProxy.forUrl(TEST_POSTGRES_URL, 5432);
    await proxy.start();
    const query = async () => {
      const client = new Client({ connectionString: proxy.rewrite(TEST_POSTGRES_URL), connectionTimeoutMillis: 2000 });
      try {
        await client.connect();
        return (await client.query('SELECT 41 + 1 AS answer')).rows[0].answer;
      } finally {
        await client.end().catch(() => undefined);
      }
    };
    try {
      expect(await query()).toBe(42);
      proxy.disconnect();
      await expect(query()).rejects.toThrow();
      proxy.restore();
      expect(await query()).toBe(42);
    } finally {
      await proxy.close();
    }
  });
});
