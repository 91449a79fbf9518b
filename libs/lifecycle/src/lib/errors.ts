/** Thrown when lifecycle settings or a schedule are malformed; the message names what is wrong. */
export class LifecycleConfigError extends Error {
  override readonly name = 'LifecycleConfigError';
}
