// Tests that go through the real Kafka and Postgres wait on real consumer-group joins.
jest.setTimeout(Number(process.env.ACCORD_TEST_TIMEOUT_MS ?? 120_000));
