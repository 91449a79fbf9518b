// Public API of @pardon/payments: premium payments verified on chain and settled once, by the
// gateway (a player's POST) and by the payment-reconcile job alike.
export { PaymentError } from './lib/errors';
export type { PaymentErrorCode } from './lib/errors';
export { CLUSTERS, PaymentEnvSchema, parsePaymentEnv } from './lib/settings';
export type { Cluster, PaymentConfig, PaymentSettings } from './lib/settings';
export { verifyAndSettle } from './lib/verify';
export type { VerifyDeps } from './lib/verify';
export { RECONCILE_ORIGIN, runPaymentReconcile } from './lib/reconcile';
export type { PaymentReconcileResult, ReconcileDeps } from './lib/reconcile';
