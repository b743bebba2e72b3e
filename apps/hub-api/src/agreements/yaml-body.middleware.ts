import { text } from 'express';
import { routeBody } from '@accord/platform';

/** The media types an agreement may be sent as YAML with (docs/contract.md, "Agreements"). */
export const YAML_MEDIA_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** Agreements are small; anything bigger is a mistake, not a document. */
export const MAX_AGREEMENT_BYTES = 256 * 1024;

/**
 * Nest parses JSON only. This reads YAML request bodies as text (left to the governance
 * engine to parse, so syntax errors come back as agreement problems with line and column)
 * on the agreements routes only, so no other route's parsing changes.
 */
export const yamlBody = routeBody(
  text({ type: YAML_MEDIA_TYPES, limit: MAX_AGREEMENT_BYTES, defaultCharset: 'utf-8' }),
  `An agreement may be at most ${MAX_AGREEMENT_BYTES / 1024} KiB`,
);
