import type { Change } from '@liveticker/schemas';

/** What the write path needs from realtime: hand over the changes a commit made. */
export interface ChangePublisher {
  /** `changes` are contiguous revisions of `stream`, already committed. */
  publish(stream: string, changes: Change[]): void;
}
