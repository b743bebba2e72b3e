import { LazyClient } from './lazy-client';

/** A stand-in for a kafkajs client that records what was done to it. */
class FakeClient {
  static made: FakeClient[] = [];
  connects = 0;
  disconnects = 0;
  constructor(private readonly failConnect: boolean) {
    FakeClient.made.push(this);
  }
  async connect(): Promise<void> {
    this.connects++;
    await Promise.resolve();
    if (this.failConnect) throw new Error('broker unreachable');
  }
  async disconnect(): Promise<void> {
    this.disconnects++;
  }
}

describe('LazyClient', () => {
  beforeEach(() => {
    FakeClient.made = [];
  });

  it('connects one client on first use and shares it with every caller, even those that asked while it connected', async () => {
    const lazy = new LazyClient(() => new FakeClient(false));
    expect(FakeClient.made).toHaveLength(0);
    const [a, b] = await Promise.all([lazy.get(), lazy.get()]);
    expect(a).toBe(b);
    expect(await lazy.get()).toBe(a);
    expect(FakeClient.made).toHaveLength(1);
    expect(a.connects).toBe(1);
  });

  it('disconnects a client whose connect failed, keeps nothing, and tries a fresh one next time', async () => {
    let fail = true;
    const lazy = new LazyClient(() => new FakeClient(fail));
    await expect(lazy.get()).rejects.toThrow('broker unreachable');
    expect(FakeClient.made[0]!.disconnects).toBe(1);
    fail = false;
    const client = await lazy.get();
    expect(client).toBe(FakeClient.made[1]);
    expect(client.connects).toBe(1);
  });

  it('reset disconnects the client, also one still connecting, and the next use connects a new one', async () => {
    const lazy = new LazyClient(() => new FakeClient(false));
    const first = await lazy.get();
    await lazy.reset();
    expect(first.disconnects).toBe(1);
    const connecting = lazy.get();
    await lazy.reset();
    expect((await connecting).disconnects).toBe(1);
    const third = await lazy.get();
    expect(FakeClient.made).toEqual([first, await connecting, third]);
    expect(third.disconnects).toBe(0);
  });

  it('a failed connect that a reset already replaced does not drop the new client', async () => {
    let fail = true;
    const lazy = new LazyClient(() => new FakeClient(fail));
    const failing = lazy.get();
    failing.catch(() => undefined);
    await lazy.reset();
    fail = false;
    const fresh = lazy.get();
    await expect(failing).rejects.toThrow('broker unreachable');
    expect(await lazy.get()).toBe(await fresh);
    expect(FakeClient.made).toHaveLength(2);
  });
});
