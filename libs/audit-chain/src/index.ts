/** Pure hashing, chaining, signed checkpoints and streaming verification of the tamper-evident audit log of sharing decisions. */
export * from './decision-record';
export * from './errors';
export { GENESIS_HASH, canonicalJson, canonicalContent, hashContent, hashRecord } from './canonical';
export { chain } from './chain';
export {
  createChainVerifier,
  verifyChain,
  type ChainVerifier,
  type ChainVerifierOptions,
  type RenderedRow,
  type ChainVerification,
} from './verifier';
export {
  signCheckpoint,
  verifyCheckpoint,
  checkpointSigningInput,
  type Checkpoint,
  type CheckpointSeal,
} from './checkpoint';
export {
  loadSigningKey,
  loadPublicKey,
  publicKeyPem,
  keyIdOf,
  generateDevelopmentKeyPair,
  type KeyInput,
  type DevelopmentKeyPair,
} from './keys';
