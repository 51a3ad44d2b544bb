/**
 * WebSocket close codes of `/api/v1/stream` that clients act on. No imports, so browser apps can use these
 * values at run time without pulling zod into their bundles.
 */
export const streamCloseCodes = {
  /**
   * The socket's token stopped being valid while it was open (a staff session expired, a device unpaired):
   * pair or sign in again. A token refused at the upgrade is answered 401 instead.
   */
  unauthorised: 4001,
  /** No hello within the hub's timeout. */
  noHello: 4002,
  /** The socket could not keep up: reconnect at once and resume from the last applied seq. */
  slowConsumer: 4008,
  /** The socket said hello too often (each hello may replay the log), or sent too many messages: reconnect after the longest back-off. */
  tooManyHellos: 4029,
} as const;
