/** A LIKE pattern (with `escape '\'`) that matches `text` literally anywhere, any case: its % _ and \ are taken as themselves. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
