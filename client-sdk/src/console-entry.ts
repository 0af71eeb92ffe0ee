// The newsroom's web console as its own browser bundle (global `LivetickerConsole`): readers'
// pages load only the widgets (index.ts); the rich-text editor (Tiptap) comes only with this one.
export { createClient } from './client';
export { mountConsole } from './console/index';
export type { ConsoleOptions } from './console/index';
export { DeskPresence } from './desk';
export type { DeskPresenceEvents, DeskEditor } from './desk';
