// Wire constants without zod, so the browser SDK can import them without bundling the schemas.

/** Socket.IO event names, once for server and SDK. */
export const SOCKET_EVENTS = {
  subscribe: 'subscribe',
  unsubscribe: 'unsubscribe',
  chatSend: 'chat:send',
  changes: 'changes',
  presence: 'presence',
  /** Server → client before it cuts the socket off (ban, logout, password change). */
  sessionEnded: 'session:ended',
} as const;
