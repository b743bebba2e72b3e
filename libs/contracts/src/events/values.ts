/*
 * The allowed values of the enumerated fields of the event types (docs/domain.md, "Event
 * types"). The data classes name them in their field decorators; the catalogue, JSON
 * Schemas and AsyncAPI document are derived from those decorators.
 */

export const SERVICE_TYPES = ['long-term-residential', 'long-term-nursing', 'community', 'short-term-reablement'] as const;
export const DELIVERY_MECHANISMS = ['council-managed', 'direct-payment', 'managed-personal-budget'] as const;
export const PRIMARY_SUPPORT_REASONS = [
  'physical-support',
  'sensory-support',
  'memory-and-cognition',
  'learning-disability',
  'mental-health',
  'social-support',
] as const;
export const TYPES_OF_RISK = [
  'physical',
  'sexual',
  'psychological',
  'financial',
  'discriminatory',
  'organisational',
  'neglect',
  'self-neglect',
  'domestic-abuse',
  'modern-slavery',
] as const;

export const ASSESSMENT_TYPES = ['long-term', 'short-term', 'financial'] as const;
export const LOCATION_TYPES = ['own-home', 'care-home', 'hospital', 'community', 'other'] as const;
export const SOURCES_OF_RISK = ['service-provider', 'other-known', 'unknown'] as const;
export const SMOKING_STATUSES = ['never', 'ex', 'current'] as const;
export const REFERRAL_SOURCES = ['self', 'gp', 'hospital', 'criminal-justice', 'other'] as const;
/** `problemSubstances`: the broad NDTMS substance groups. */
export const PROBLEM_SUBSTANCES = [
  'opiates',
  'crack',
  'cocaine',
  'cannabis',
  'alcohol',
  'benzodiazepines',
  'amphetamines',
  'new-psychoactive',
  'other',
] as const;
export const INJECTING_STATUSES = ['never', 'previously', 'currently'] as const;
export const TENURES = ['council', 'housing-association', 'private-lha', 'private-other'] as const;
export const DISCRETIONARY_HOUSING_PAYMENT_REASONS = ['benefit-cap', 'spare-room-subsidy', 'lha-shortfall', 'other'] as const;
export const COUNCIL_TAX_DISCOUNTS = ['single-person', 'disregard', 'exemption-class-e', 'none'] as const;
export const INJURY_SEVERITIES = ['none', 'minor', 'serious'] as const;
