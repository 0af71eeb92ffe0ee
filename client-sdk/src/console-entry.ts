// The newsroom's web console as its own browser bundle (global `LivetickerConsole`): readers'
// pages load only the widgets (index.ts).
export { createClient } from './client';
export { mountConsole } from './widgets/console';
export type { ConsoleOptions } from './widgets/console';
