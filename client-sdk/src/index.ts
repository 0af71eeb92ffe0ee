// The npm package: everything the readers' script has, and the desk's presence (editors).
export * from './readers';
export { DeskPresence, openDesk } from './desk';
export type { DeskPresenceEvents, DeskEditor } from './desk';
