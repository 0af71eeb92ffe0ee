/** "5 new updates in <ticker>" in the follower's language (de, en, ru; English otherwise). */
export function summaryTitle(lang: string, count: number, ticker: string): string {
  if (lang === 'de') return `${count} neue Beiträge in ${ticker}`;
  if (lang === 'ru') return `${count} ${russianUpdates(count)} в ${ticker}`;
  return `${count} new updates in ${ticker}`;
}

/** Russian plural of "новое обновление" for a count. */
function russianUpdates(n: number): string {
  const ten = n % 10;
  const hundred = n % 100;
  if (ten === 1 && hundred !== 11) return 'новое обновление';
  if (ten >= 2 && ten <= 4 && (hundred < 12 || hundred > 14)) return 'новых обновления';
  return 'новых обновлений';
}
