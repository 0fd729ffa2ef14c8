/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The text with each lone surrogate replaced by U+FFFD, as a UTF-8 decoder treats bytes that are no
 * character. JSON can carry a lone surrogate only as an escape (`"\ud80a"`); it is not Unicode text:
 * it cannot be stored as UTF-8, printed, or hashed in RFC 8785's canonical form.
 */
export const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\ufffd');

/** A JSON.parse reviver that makes every string value well formed. */
export const wellFormedStrings = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? wellFormed(value) : value;
