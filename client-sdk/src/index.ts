// The npm package: everything the readers' script has, and the desk's presence (editors).
export * from './readers';
export { DeskPresence, openDesk } from './desk';
export type { DeskPresenceEvents, DeskEditor } from './desk';
// The reader's chats: the Chats panel's script carries them, the readers' script does not.
export { InboxView, openInbox } from './inbox';
export type { InboxViewChange, InboxViewEvents, InboxViewOptions } from './inbox';
