// Bitunix USDT-M futures client: a library usable without exsoak (no supervisor, bus or
// simulator imports). Credentials come from the caller or from BITUNIX_API_KEY / _SECRET.
export { BitunixCredentials, CredentialsError, canonicalQuery, makeNonce, restSignature, sha256hex, wsLoginSignature } from './signer.ts';
export { BitunixApiError, BitunixCode, BitunixError, errorKind, isBitunixError, isOrderNotFound, kindOfCode } from './errors.ts';
export type { BitunixErrorKind } from './errors.ts';
export { BITUNIX_REST_URL, BitunixRest } from './rest.ts';
export type { BitunixRestOptions, RestObservation } from './rest.ts';
export { BITUNIX_WS_PRIVATE_URL, BITUNIX_WS_PUBLIC_URL, BitunixWs } from './ws.ts';
export type { BitunixWsOptions, CloseInfo, Subscription } from './ws.ts';
export * from './types.ts';
export { readEnvelope } from './parse.ts';
export { HedgeLimitExecutor } from './executor/executor.ts';
export type { ExecutorErrorNotice, HedgeLimitExecutorOptions, OrderNotice } from './executor/executor.ts';
export {
  DEFAULT_STATE_TIMEOUTS,
  EXECUTOR_STATES,
  EXECUTOR_TRANSITIONS,
  IllegalTransitionError,
  StateMachine,
  createExecutorMachine,
  executorStateIndex,
} from './executor/state-machine.ts';
export type { ExecutorState, StuckEvent, TransitionEvent } from './executor/state-machine.ts';
export { entryPrice, entryTicks, fromTicks, toTicks } from './executor/pricing.ts';
