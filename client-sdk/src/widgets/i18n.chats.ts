import { addStrings } from './i18n';
import type { Lang } from './i18n';

/**
 * The reader's Chats panel and `<liveticker-live>`'s tabs: in the panel's own script
 * (liveticker-chats.js), so a page with only a ticker or a chat does not load them. The login
 * forms' words come with the chat's strings (i18n.chat.ts), which are always there first.
 */
export const CHATS_STRINGS: Record<Lang, Record<string, string>> = {
  de: {
    chatsTitle: 'Ihre Chats',
    chatsPrompt: 'Melden Sie sich an, um Ihre Chats und die Antworten an Sie zu sehen.',
    chatsEmpty: 'Noch keine Chats. Schreiben Sie in der Diskussion eines Tickers, dann erscheint sie hier.',
    unread: '{n} neu',
    repliesToMe: '{n} Antworten an Sie',
    'repliesToMe.one': '1 Antwort an Sie',
    backToChats: 'Alle Chats',
    leaveChat: 'Verlassen',
    leaveChatLabel: 'Chat „{title}“ verlassen',
    leftChat: 'Sie haben den Chat „{title}“ verlassen. Er kommt zurück, sobald Sie dort wieder schreiben.',
    newActivity: 'Neuer Beitrag in „{title}“',
    moreChats: 'Weitere Chats laden',
    chatsFailed: 'Ihre Chats lassen sich gerade nicht laden.',
    youSaid: 'Sie',
    tabDiscussion: 'Diskussion',
    tabChats: 'Chats',
    chatTabs: 'Diskussion und Ihre Chats',
  },
  en: {
    chatsTitle: 'Your chats',
    chatsPrompt: 'Log in to see your chats and who answered you.',
    chatsEmpty: "No chats yet. Write in a ticker's discussion and it shows up here.",
    unread: '{n} new',
    repliesToMe: '{n} replies to you',
    'repliesToMe.one': '1 reply to you',
    backToChats: 'All chats',
    leaveChat: 'Leave',
    leaveChatLabel: 'Leave the chat “{title}”',
    leftChat: 'You left the chat “{title}”. It comes back when you write there again.',
    newActivity: 'New message in “{title}”',
    moreChats: 'Load more chats',
    chatsFailed: 'Your chats cannot be loaded right now.',
    youSaid: 'You',
    tabDiscussion: 'Discussion',
    tabChats: 'Chats',
    chatTabs: 'Discussion and your chats',
  },
  ru: {
    chatsTitle: 'Ваши чаты',
    chatsPrompt: 'Войдите, чтобы видеть свои чаты и ответы вам.',
    chatsEmpty: 'Чатов пока нет. Напишите в обсуждении ленты — и оно появится здесь.',
    unread: 'новых: {n}',
    // Every plural form of Russian: the English one would otherwise stand in (plural() falls back to en).
    repliesToMe: '{n} ответа вам',
    'repliesToMe.one': '{n} ответ вам',
    'repliesToMe.few': '{n} ответа вам',
    'repliesToMe.many': '{n} ответов вам',
    backToChats: 'Все чаты',
    leaveChat: 'Покинуть',
    leaveChatLabel: 'Покинуть чат «{title}»',
    leftChat: 'Вы покинули чат «{title}». Он вернётся, когда вы снова там напишете.',
    newActivity: 'Новое сообщение в «{title}»',
    moreChats: 'Загрузить ещё чаты',
    chatsFailed: 'Ваши чаты сейчас не загружаются.',
    youSaid: 'Вы',
    tabDiscussion: 'Обсуждение',
    tabChats: 'Чаты',
    chatTabs: 'Обсуждение и ваши чаты',
  },
};

addStrings(CHATS_STRINGS);
