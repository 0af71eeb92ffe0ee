import { PatchChatSettingsBody } from '@liveticker/schemas';
import type { ChatSettings } from '@liveticker/schemas';
import type { AppContext } from '../context';
import type { Db, Trx } from '../db/database';
import { commit } from '../db/commit';
import { AppError, parseInput } from '../errors';
import type { Actor } from '../auth/actor';
import { findTicker } from '../tickers/tickers.repo';
import { setRoomMode } from '../tickers/tickers.service';
import { requireAnyRole } from '../auth/guard';
import { logAction } from './moderation.log';
import { pinMessage } from './pins';
import { pinnedMessageIds } from './messages.repo';
import { findChatSettings, replaceChatSettings } from './settings.repo';

export const DEFAULT_CHAT = { rate_burst: 5, rate_per_minute: 30, duplicate_window_seconds: 60, banned_words: '[]', watch_words: '[]' };

/** The whole room settings of a ticker (public mode/slow mode on the ticker, the rest apart). */
export async function chatSettings(db: Db | Trx, tickerId: string): Promise<ChatSettings> {
  const ticker = await findTicker(db, tickerId);
  if (!ticker) throw new AppError('not_found', `no ticker ${tickerId}`);
  const row = (await findChatSettings(db, tickerId)) ?? { ticker_id: tickerId, ...DEFAULT_CHAT };
  const [pinned] = await pinnedMessageIds(db, tickerId);
  return {
    mode: ticker.chat.mode,
    slowModeSeconds: ticker.chat.slowModeSeconds,
    rateLimit: { burst: row.rate_burst, perMinute: row.rate_per_minute },
    duplicateWindowSeconds: row.duplicate_window_seconds,
    bannedWords: JSON.parse(row.banned_words) as string[],
    watchWords: JSON.parse(row.watch_words) as string[],
    pinnedMessageId: pinned ?? null,
  };
}

export async function getChatSettings(ctx: Pick<AppContext, 'db'>, actor: Actor | undefined, tickerId: string): Promise<ChatSettings> {
  requireAnyRole(actor, ['editor', 'moderator']);
  return chatSettings(ctx.db, tickerId);
}

/** Editors and moderators change a room; mode and slow mode reach readers as `ticker.updated`. */
export async function patchChatSettings(
  ctx: Pick<AppContext, 'db' | 'publisher'>,
  actor: Actor | undefined,
  tickerId: string,
  body: unknown,
): Promise<ChatSettings> {
  const who = requireAnyRole(actor, ['editor', 'moderator']);
  const input = parseInput(PatchChatSettingsBody, body, 'chat settings');
  return commit(ctx, async (w) => {
    const trx = w.trx;
    const current = await chatSettings(trx, tickerId);
    // Mode and slow mode are the ticker's (readers see them): the tickers domain writes them.
    if (input.mode !== undefined || input.slowModeSeconds !== undefined) await setRoomMode(w, tickerId, { mode: input.mode, slowModeSeconds: input.slowModeSeconds });
    const next = {
      ticker_id: tickerId,
      rate_burst: input.rateLimit?.burst ?? current.rateLimit.burst,
      rate_per_minute: input.rateLimit?.perMinute ?? current.rateLimit.perMinute,
      duplicate_window_seconds: input.duplicateWindowSeconds ?? current.duplicateWindowSeconds,
      banned_words: JSON.stringify(input.bannedWords ?? current.bannedWords),
      watch_words: JSON.stringify(input.watchWords ?? current.watchWords),
    };
    await replaceChatSettings(trx, next);
    if (input.pinnedMessageId !== undefined && input.pinnedMessageId !== current.pinnedMessageId) {
      await pinMessage(w, tickerId, input.pinnedMessageId);
    }
    await logAction(trx, who, { tickerId, action: 'room.settings', targetType: 'room', targetId: tickerId, details: input });
    return chatSettings(trx, tickerId);
  });
}
