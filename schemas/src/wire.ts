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
  /**
   * Server → client when the node is going away (deploy, restart): the client reconnects, to this
   * node once it is back or to another behind the load balancer, and resumes from its positions.
   */
  serverShutdown: 'server:shutdown',
} as const;
