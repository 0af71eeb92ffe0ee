import { stripControls } from '../../schemas/src/common';
import { DisplayName, Email, Password } from '../../schemas/src/auth';
import { MAX_MESSAGE_LENGTH, MessageText } from '../../schemas/src/chat';

/** The first problem a schema reports, or the cleaned value. */
function clean(schema: typeof MessageText | typeof DisplayName | typeof Email | typeof Password, input: string): { value: string } | { problem: string } {
  const r = schema.safeParse(input);
  return r.success ? { value: r.data } : { problem: r.error.issues[0].message };
}

describe('stripControls', () => {
  it.each([
    ['NUL, BEL and ESC', 'a\u0000b\u0007c\u001b[31md', 'abc[31md'],
    ['DEL and C1 controls', 'a\u007fb\u0085c\u009fd', 'abcd'],
    ['vertical tab, form feed, carriage return', 'a\u000bb\u000cc\rd', 'abcd'],
    ['left-to-right and right-to-left marks', 'a\u200eb\u200fc', 'abc'],
    ['bidi embeddings and overrides (U+202A–U+202E)', '\u202aa\u202bb\u202cc\u202dd\u202ee', 'abcde'],
    ['bidi isolates (U+2066–U+2069)', '\u2066a\u2067b\u2068c\u2069d', 'abcd'],
  ])('removes %s', (_what, input, output) => {
    expect(stripControls(input)).toBe(output);
  });

  it('keeps newlines, tabs, letters of every script and joined emoji', () => {
    const text = 'Zeile 1\n\tПривет, مرحبا, 你好 👨\u200d👩\u200d👧 ½';
    expect(stripControls(text)).toBe(text);
  });

  it('keeps the characters just outside each removed range', () => {
    const edges = '\u0009\u000a\u00a0\u200d\u2029\u202f\u2065\u206a';
    expect(stripControls(edges)).toBe(edges);
  });
});

describe('MessageText (what a chat message may say)', () => {
  it('is cleaned of controls and bidi overrides, composed (NFC) and trimmed', () => {
    expect(clean(MessageText, '  Cafe\u0301 \u202eevil\u202c\u0007 \n')).toEqual({ value: 'Café evil' });
  });

  it('keeps the lines of a message', () => {
    expect(clean(MessageText, 'eins\nzwei')).toEqual({ value: 'eins\nzwei' });
  });

  it('a message of nothing but spaces and controls is empty', () => {
    expect(clean(MessageText, ' \u0000\u200e \t ')).toEqual({ problem: 'the message is empty' });
  });

  it(`counts code points: ${MAX_MESSAGE_LENGTH} emoji fit, one more does not`, () => {
    expect(clean(MessageText, '😀'.repeat(MAX_MESSAGE_LENGTH))).toEqual({ value: '😀'.repeat(MAX_MESSAGE_LENGTH) });
    expect(clean(MessageText, '😀'.repeat(MAX_MESSAGE_LENGTH + 1))).toEqual({ problem: `at most ${MAX_MESSAGE_LENGTH} characters` });
    expect(clean(MessageText, 'x'.repeat(MAX_MESSAGE_LENGTH + 1))).toEqual({ problem: `at most ${MAX_MESSAGE_LENGTH} characters` });
  });

  it('counts after cleaning: 500 letters padded with spaces and controls fit', () => {
    const padded = `  ${'x'.repeat(MAX_MESSAGE_LENGTH)}\u0000\u0000  `;
    expect(clean(MessageText, padded)).toEqual({ value: 'x'.repeat(MAX_MESSAGE_LENGTH) });
  });

  it('refuses a huge input before cleaning it (more than 4 units per allowed character)', () => {
    const huge = `x${'\u0000'.repeat(MAX_MESSAGE_LENGTH * 4)}`;
    expect(clean(MessageText, huge)).toEqual({ problem: `at most ${MAX_MESSAGE_LENGTH} characters` });
    expect(clean(MessageText, `x${'\u0000'.repeat(MAX_MESSAGE_LENGTH * 4 - 1)}`)).toEqual({ value: 'x' });
  });
});

describe('DisplayName', () => {
  it('is composed (NFC), trimmed, and runs of white space become one space', () => {
    expect(clean(DisplayName, '  Rene\u0301 \t\n  Mu\u0308ller  ')).toEqual({ value: 'René Müller' });
  });

  it('is 2 to 40 characters after cleaning', () => {
    expect(clean(DisplayName, ' A ')).toEqual({ problem: 'at least 2 characters' });
    expect(clean(DisplayName, 'Al')).toEqual({ value: 'Al' });
    expect(clean(DisplayName, 'x'.repeat(40))).toEqual({ value: 'x'.repeat(40) });
    expect(clean(DisplayName, 'x'.repeat(41))).toEqual({ problem: 'at most 40 characters' });
  });

  it('turns white space of any kind (no-break, ideographic, a stray BOM) into one plain space', () => {
    expect(clean(DisplayName, 'Ann\u00a0\u3000Lee\ufeffJr')).toEqual({ value: 'Ann Lee Jr' });
  });

  it.each([
    ['a zero-width space', 'Ad\u200bmin'],
    ['a right-to-left override', 'Ann\u202eeb'],
    ['a left-to-right isolate', 'Ann\u2066x'],
    ['a word joiner', 'Ann\u2060x'],
    ['a control character', 'Ann\u0007x'],
    ['a C1 control', 'Ann\u0085x'],
  ])('refuses a name with %s (names must look like what they are)', (_what, name) => {
    expect(clean(DisplayName, name)).toEqual({ problem: 'no control, invisible or text-direction characters' });
  });
});

describe('Email', () => {
  it('is trimmed, lower-cased and composed, so one address is one account', () => {
    expect(clean(Email, '  Ann.Example@Example.ORG ')).toEqual({ value: 'ann.example@example.org' });
  });

  it('refuses what is not an address', () => {
    expect(clean(Email, 'ann@')).toEqual({ problem: 'not a valid e-mail address' });
  });
});

describe('Password', () => {
  it('is 8 to 128 characters, never trimmed', () => {
    expect(clean(Password, '1234567')).toEqual({ problem: 'at least 8 characters' });
    expect(clean(Password, ' 234567 ')).toEqual({ value: ' 234567 ' });
    expect(clean(Password, 'p'.repeat(128))).toEqual({ value: 'p'.repeat(128) });
    expect(clean(Password, 'p'.repeat(129))).toEqual({ problem: 'at most 128 characters' });
  });
});
