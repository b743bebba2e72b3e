/** Pure hashing, chaining, signed checkpoints and streaming verification of the tamper-evident audit log of sharing decisions. */
export * from './decision-record';
export * from './errors';
export { GENESIS_HASH, canonicalJson, canonicalContent, hashContent, hashRecord } from './canonical';
export { chain, chainPartition } from './chain';
export { chainMapKey } from './partition-chain';
export {
  createChainVerifier,
  verifyChain,
  type ChainVerifier,
  type ChainVerifierOptions,
  type RenderedRow,
  type ChainVerification,
  type PartitionChainHeads,
} from './verifier';
export {
  signCheckpoint,
  verifyCheckpoint,
  checkpointSigningInput,
  type Checkpoint,
  type CheckpointSeal,
  type SingleChainSeal,
  type MultiChainSeal,
  type SealedHead,
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
