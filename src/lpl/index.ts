/** Latent Predictive Learning (Halvagal & Zenke, Nature Neuroscience 2023): losses, objective, encoder, rule, metrics. */
export {
  predictiveLoss,
  hebbianLoss,
  decorrelationLoss,
  decorrelationLossFirstVersion,
  centered,
} from './losses.js';
export type { PredForm } from './losses.js';
export { lplObjective, unpooledObjective, networkObjective, resolveLplOptions } from './objective.js';
export type { LplOptions, LplTerms, NetworkObjectiveOptions } from './objective.js';
export { encodeBlocks, stackPositions, unitsPerPosition } from './encoder.js';
export { stackViews, shuffledPositives } from './controls.js';
export type { EncoderOutput, TrainingMode } from './encoder.js';
export { linearRule, convBlockRule, postsynapticFactor, eq7Constants } from './rules.js';
export type { RuleOptions, FactorCoefficients } from './rules.js';
export { participationRatio, featureCovariance, unitVarianceSummary } from './metrics.js';
export type { VarianceSummary } from './metrics.js';
