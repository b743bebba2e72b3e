import { sign } from 'node:crypto';
import fc from 'fast-check';
import {
  AuditChainError,
  GENESIS_HASH,
  checkpointSigningInput,
  generateDevelopmentKeyPair,
  keyIdOf,
  signCheckpoint,
  verifyCheckpoint,
  type Checkpoint,
  type MultiChainSeal,
  type SealedHead,
} from '.';

const keys = generateDevelopmentKeyPair();
const otherKeys = generateDevelopmentKeyPair();

const sealArbitrary = fc.record({
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  hash: fc.stringMatching(/^[0-9a-f]{64}$/),
  signedAt: fc
    .date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2099-12-31T00:00:00.000Z'), noInvalidDate: true })
    .map((date) => date.toISOString()),
});

describe('checkpoints', () => {
  it('signs the documented text, so openssl can verify it', () => {
    const checkpoint = signCheckpoint({ seq: 42, hash: 'a'.repeat(64), signedAt: new Date('2026-04-01T12:00:00Z') }, keys.privateKeyPem);
    expect(checkpoint).toMatchObject({ seq: 42, signedAt: '2026-04-01T12:00:00.000Z', keyId: keys.keyId });
    const text = `accord-audit-checkpoint/v1\nseq=42\nhash=${'a'.repeat(64)}\nsignedAt=2026-04-01T12:00:00.000Z\nkeyId=${keys.keyId}\n`;
    expect(checkpointSigningInput(checkpoint)).toBe(text);
    // Ed25519 is deterministic: the same key and text give the same signature.
    expect(checkpoint.signature).toBe(sign(null, Buffer.from(text), keys.privateKey).toString('base64'));
  });

  it('uses a given keyId and refuses a malformed seal', () => {
    const seal = { seq: 1, hash: 'b'.repeat(64), signedAt: '2026-04-01T12:00:00.000Z' };
    expect(signCheckpoint(seal, keys.privateKey, '2026-04').keyId).toBe('2026-04');
    expect(verifyCheckpoint(signCheckpoint(seal, keys.privateKey, '2026-04'), keys.publicKey)).toBe(true);
    for (const bad of [{ ...seal, seq: 0 }, { ...seal, hash: 'B'.repeat(64) }, { ...seal, signedAt: '2026-04-01' }]) {
      expect(() => signCheckpoint(bad, keys.privateKey)).toThrow(AuditChainError);
    }
    expect(() => signCheckpoint(seal, keys.privateKey, 'two\nlines')).toThrow(AuditChainError);
  });

  it('property: a checkpoint verifies with its key (object or PEM) and not with another key', () => {
    fc.assert(
      fc.property(sealArbitrary, (seal) => {
        const checkpoint = signCheckpoint(seal, keys.privateKey);
        expect(verifyCheckpoint(checkpoint, keys.publicKey)).toBe(true);
        expect(verifyCheckpoint(checkpoint, keys.publicKeyPem)).toBe(true);
        expect(verifyCheckpoint(checkpoint, otherKeys.publicKey)).toBe(false);
      }),
    );
  });

  it('property: changing any field of a checkpoint makes it fail', () => {
    const fields = ['seq', 'hash', 'signedAt', 'signature', 'keyId'] as const;
    fc.assert(
      fc.property(sealArbitrary, fc.constantFrom(...fields), fc.anything(), sealArbitrary, (seal, field, anything, other) => {
        const checkpoint = signCheckpoint(seal, keys.privateKey);
        const replacement: Record<(typeof fields)[number], unknown[]> = {
          seq: [other.seq, checkpoint.seq + 1, String(checkpoint.seq), anything],
          hash: [other.hash, checkpoint.hash.toUpperCase(), anything],
          signedAt: [other.signedAt, anything],
          signature: [signCheckpoint(other, keys.privateKey).signature, checkpoint.signature.replace(/==$/, ''), anything],
          keyId: [otherKeys.keyId, keyIdOf(otherKeys.publicKey), anything],
        };
        for (const value of replacement[field]) {
          if (Object.is(value, checkpoint[field])) continue;
          const tampered = { ...checkpoint, [field]: value } as Checkpoint;
          expect(verifyCheckpoint(tampered, keys.publicKey)).toBe(false);
        }
      }),
    );
  });

  it('only accepts the canonical base64 spelling of the signature', () => {
    const checkpoint = signCheckpoint({ seq: 7, hash: 'c'.repeat(64), signedAt: '2026-04-01T12:00:00.000Z' }, keys.privateKey);
    const bytes = Buffer.from(checkpoint.signature, 'base64');
    // The last base64 digit before the padding carries 4 unused bits: flip one, same bytes.
    const lastDigit = checkpoint.signature.length - 3;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const flipped = alphabet[alphabet.indexOf(checkpoint.signature[lastDigit]!) ^ 1]!;
    const respelled = checkpoint.signature.slice(0, lastDigit) + flipped + checkpoint.signature.slice(lastDigit + 1);
    expect(Buffer.from(respelled, 'base64').equals(bytes)).toBe(true);
    expect(verifyCheckpoint({ ...checkpoint, signature: respelled }, keys.publicKey)).toBe(false);
  });
});

const hexHash = fc.stringMatching(/^[0-9a-f]{64}$/);
const signedAtArbitrary = fc
  .date({ min: new Date('2000-01-01T00:00:00.000Z'), max: new Date('2099-12-31T00:00:00.000Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const topicArbitrary = fc.stringMatching(/^[A-Za-z0-9._-]{1,40}$/);

/** Any v2 seal: a root (the genesis root at seq 0), 1-6 heads above it with distinct seqs and chains, in any order. */
const multiChainSealArbitrary: fc.Arbitrary<MultiChainSeal> = fc.integer({ min: 0, max: 1_000 }).chain((rootSeq) =>
  fc.record({
    root: fc.record({ seq: fc.constant(rootSeq), hash: rootSeq === 0 ? fc.constant(GENESIS_HASH) : hexHash }),
    heads: fc.integer({ min: 1, max: 6 }).chain((count) =>
      fc
        .tuple(
          fc.uniqueArray(fc.integer({ min: rootSeq + 1, max: Number.MAX_SAFE_INTEGER }), { minLength: count, maxLength: count }),
          fc.uniqueArray(fc.record({ topic: topicArbitrary, partition: fc.nat(10_000) }), {
            minLength: count,
            maxLength: count,
            selector: (chain) => `${chain.partition} ${chain.topic}`,
          }),
          fc.array(hexHash, { minLength: count, maxLength: count }),
        )
        .map(([seqs, chains, hashes]) => seqs.map((seq, i): SealedHead => ({ seq, hash: hashes[i]!, ...chains[i]! }))),
    ),
    signedAt: signedAtArbitrary,
  }),
);

/** Signs whatever text the checkpoint gives, bypassing signCheckpoint's checks: a valid signature over a malformed checkpoint. */
const signedAsIs = (checkpoint: Omit<Checkpoint, 'signature'>): Checkpoint => ({
  ...checkpoint,
  signature: sign(null, Buffer.from(checkpointSigningInput(checkpoint)), keys.privateKey).toString('base64'),
});

describe('v2 checkpoints (partition chain heads)', () => {
  const root = { seq: 120, hash: 'a'.repeat(64) };
  const heads: SealedHead[] = [
    { seq: 131, hash: 'b'.repeat(64), topic: 'accord.events', partition: 1 },
    { seq: 125, hash: 'c'.repeat(64), topic: 'accord.events', partition: 0 },
    { seq: 129, hash: 'd'.repeat(64), topic: 'accord.other_events-2', partition: 0 },
  ];

  it('signs the documented text, heads sorted by seq, so openssl can verify it', () => {
    const checkpoint = signCheckpoint({ root, heads, signedAt: new Date('2026-04-01T12:00:00Z') }, keys.privateKeyPem);
    expect(checkpoint).toEqual({
      seq: 131,
      hash: 'b'.repeat(64),
      signedAt: '2026-04-01T12:00:00.000Z',
      keyId: keys.keyId,
      root,
      heads: [heads[1], heads[2], heads[0]],
      signature: expect.any(String),
    });
    const text =
      'accord-audit-checkpoint/v2\n' +
      'signedAt=2026-04-01T12:00:00.000Z\n' +
      `keyId=${keys.keyId}\n` +
      `root=120 ${'a'.repeat(64)}\n` +
      `head=125 ${'c'.repeat(64)} 0 accord.events\n` +
      `head=129 ${'d'.repeat(64)} 0 accord.other_events-2\n` +
      `head=131 ${'b'.repeat(64)} 1 accord.events\n`;
    expect(checkpointSigningInput(checkpoint)).toBe(text);
    expect(checkpoint.signature).toBe(sign(null, Buffer.from(text), keys.privateKey).toString('base64'));
    expect(verifyCheckpoint(checkpoint, keys.publicKey)).toBe(true);
  });

  it('signs only the sealed fields of each head, and leaves the caller\'s heads as they were', () => {
    const given = heads.map((head) => ({ ...head, note: 'unsigned' }));
    const checkpoint = signCheckpoint({ root, heads: given, signedAt: '2026-04-01T12:00:00.000Z' }, keys.privateKey);
    expect(checkpoint.heads!.every((head) => !('note' in head))).toBe(true);
    expect(given.map((head) => head.seq)).toEqual([131, 125, 129]);
  });

  it('property: a v2 checkpoint verifies with its key (object or PEM) and not with another key', () => {
    fc.assert(
      fc.property(multiChainSealArbitrary, (seal) => {
        const checkpoint = signCheckpoint(seal, keys.privateKey);
        const sorted = [...seal.heads].sort((a, b) => a.seq - b.seq);
        expect(checkpoint.heads).toEqual(sorted);
        expect(checkpoint).toMatchObject({ seq: sorted.at(-1)!.seq, hash: sorted.at(-1)!.hash, root: seal.root });
        expect(verifyCheckpoint(checkpoint, keys.publicKey)).toBe(true);
        expect(verifyCheckpoint(checkpoint, keys.publicKeyPem)).toBe(true);
        expect(verifyCheckpoint(checkpoint, otherKeys.publicKey)).toBe(false);
      }),
    );
  });

  it('property: changing any character or number of a head, the root, signedAt or keyId makes it fail', () => {
    type Path = ['root', 'seq' | 'hash'] | ['heads', number, keyof SealedHead] | ['signedAt'] | ['keyId'] | ['signature'];
    const pathArbitrary: fc.Arbitrary<Path> = fc.oneof(
      fc.constantFrom<Path>(['root', 'seq'], ['root', 'hash'], ['signedAt'], ['keyId'], ['signature']),
      fc.tuple(fc.constant('heads' as const), fc.nat(5), fc.constantFrom<keyof SealedHead>('seq', 'hash', 'topic', 'partition')),
    );
    fc.assert(
      fc.property(multiChainSealArbitrary, pathArbitrary, fc.nat(), fc.integer({ min: -3, max: 3 }).filter((delta) => delta !== 0), (seal, path, position, delta) => {
        const checkpoint = signCheckpoint(seal, keys.privateKey);
        const tampered = structuredClone(checkpoint);
        let holder: Record<string, unknown>;
        let field: string;
        if (path[0] === 'heads') {
          holder = tampered.heads![path[1] % tampered.heads!.length] as unknown as Record<string, unknown>;
          field = path[2];
        } else if (path[0] === 'root') {
          holder = tampered.root as unknown as Record<string, unknown>;
          field = path[1];
        } else {
          holder = tampered as unknown as Record<string, unknown>;
          field = path[0];
        }
        const value = holder[field];
        if (typeof value === 'number') {
          holder[field] = value + delta;
        } else {
          const text = value as string;
          const at = position % text.length;
          const replacement = text[at] === '0' ? '1' : '0';
          holder[field] = text.slice(0, at) + replacement + text.slice(at + 1);
        }
        expect(verifyCheckpoint(tampered as unknown as Checkpoint, keys.publicKey)).toBe(false);
      }),
    );
  });

  it('is false for a v2 checkpoint that is malformed, even when its text carries a valid signature', () => {
    const good = signCheckpoint({ root, heads, signedAt: '2026-04-01T12:00:00.000Z' }, keys.privateKey);
    const { signature: _signature, ...unsigned } = good;
    const [low, middle, high] = unsigned.heads!;
    const malformed: Omit<Checkpoint, 'signature'>[] = [
      { ...unsigned, seq: middle!.seq, hash: middle!.hash }, // not its highest head
      { ...unsigned, heads: [middle!, low!, high!] }, // not sorted
      { ...unsigned, heads: [low!, { ...middle!, seq: low!.seq }, high!] }, // a seq twice
      { ...unsigned, heads: [low!, { ...middle!, topic: low!.topic, partition: low!.partition }, high!] }, // a chain twice
      { ...unsigned, heads: [low!, { ...middle!, topic: 'two words' }, high!] },
      { ...unsigned, heads: [low!, { ...middle!, partition: -1 }, high!] },
      { ...unsigned, root: { seq: 125, hash: root.hash } }, // a head at the root's seq
      { ...unsigned, root: { seq: 0, hash: root.hash } }, // seq 0 with a root other than genesis
      { ...unsigned, heads: [] },
      { ...unsigned, root: undefined }, // heads without a root
      { ...unsigned, heads: undefined }, // a root without heads
    ];
    for (const checkpoint of malformed) expect(verifyCheckpoint(signedAsIs(checkpoint), keys.publicKey)).toBe(false);
    expect(verifyCheckpoint(signedAsIs(unsigned), keys.publicKey)).toBe(true);
    // A v1 checkpoint given heads is read as v2, so its v1 signature no longer covers it.
    const v1 = signCheckpoint({ seq: 131, hash: 'b'.repeat(64), signedAt: '2026-04-01T12:00:00.000Z' }, keys.privateKey);
    expect(verifyCheckpoint({ ...v1, heads: good.heads } as Checkpoint, keys.publicKey)).toBe(false);
  });

  it('refuses to sign a malformed v2 seal, naming the field but never its value', () => {
    const seal = { root, heads, signedAt: '2026-04-01T12:00:00.000Z' };
    const refusals: [MultiChainSeal, RegExp][] = [
      [{ ...seal, heads: [] }, /heads must hold at least one chain head/],
      [{ ...seal, heads: [heads[0]!, { ...heads[1]!, seq: heads[0]!.seq }] }, /heads\[1\]\.seq must differ/],
      [{ ...seal, heads: [heads[0]!, { ...heads[1]!, topic: heads[0]!.topic, partition: heads[0]!.partition }] }, /heads\[1\] must name a \(topic, partition\) no other head names/],
      [{ ...seal, heads: [{ ...heads[0]!, topic: 'secret topic name' }] }, /heads\[0\]\.topic must be a Kafka topic name/],
      [{ ...seal, heads: [{ ...heads[0]!, topic: 'x'.repeat(250) }] }, /heads\[0\]\.topic/],
      [{ ...seal, heads: [{ ...heads[0]!, partition: 1.5 }] }, /heads\[0\]\.partition must be a non-negative integer/],
      [{ ...seal, heads: [{ ...heads[0]!, seq: 120 }] }, /heads\[0\]\.seq must be an integer greater than root\.seq/],
      [{ ...seal, heads: [{ ...heads[0]!, seq: Number.MAX_SAFE_INTEGER + 1 }] }, /heads\[0\]\.seq/],
      [{ ...seal, heads: [{ ...heads[0]!, hash: 'B'.repeat(64) }] }, /heads\[0\]\.hash must be 64 lowercase hex digits/],
      [{ ...seal, root: { seq: -1, hash: root.hash } }, /root\.seq must be a non-negative integer/],
      [{ ...seal, root: { seq: 0, hash: root.hash } }, /root\.hash must be the genesis hash/],
      [{ ...seal, root: { seq: 120, hash: 'short' } }, /root\.hash must be 64 lowercase hex digits/],
      [{ ...seal, signedAt: '2026-04-01' }, /signedAt/],
    ];
    for (const [bad, message] of refusals) {
      expect(() => signCheckpoint(bad, keys.privateKey)).toThrow(AuditChainError);
      expect(() => signCheckpoint(bad, keys.privateKey)).toThrow(message);
      expect(() => signCheckpoint(bad, keys.privateKey)).not.toThrow(/secret/);
    }
    expect(() => signCheckpoint(seal, keys.privateKey, 'two\nlines')).toThrow(AuditChainError);
  });

  it('leaves v1 checkpoints exactly as they were', () => {
    const checkpoint = signCheckpoint({ seq: 42, hash: 'a'.repeat(64), signedAt: '2026-04-01T12:00:00.000Z' }, keys.privateKey);
    expect(Object.keys(checkpoint)).toEqual(['seq', 'hash', 'signedAt', 'keyId', 'signature']);
    expect(checkpointSigningInput(checkpoint)).toMatch(/^accord-audit-checkpoint\/v1\n/);
  });
});
