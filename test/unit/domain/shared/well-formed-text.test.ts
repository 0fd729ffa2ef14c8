import { expect, test } from 'vitest';
import { canonicalJson } from '../../../../domain/audit/chain.js';
import { wellFormed, wellFormedStrings } from '../../../../domain/shared/well-formed-text.js';

test('lone surrogates become U+FFFD; pairs and other text stay as they are', () => {
  expect(wellFormed('a\ud80ab')).toBe('a\ufffdb');
  expect(wellFormed('\udc00x')).toBe('\ufffdx');
  expect(wellFormed('x\ud83d')).toBe('x\ufffd');
  expect(wellFormed('\ud83d\ude00 € ok')).toBe('\ud83d\ude00 € ok');
  expect(wellFormed('\udc00\ud83d')).toBe('\ufffd\ufffd');
});

test('a parsed body holds only well-formed strings, nested ones included', () => {
  const body = JSON.parse('{"reason":"\\ud80a\\ud809","lines":[{"name":"x\\udc00"}],"n":1}', wellFormedStrings);
  expect(body).toEqual({ reason: '\ufffd\ufffd', lines: [{ name: 'x\ufffd' }], n: 1 });
});

test('a document with a lone surrogate still has a canonical form: that of the text it is read as', () => {
  expect(canonicalJson({ reason: 'a\ud80a' })).toBe(canonicalJson({ reason: 'a\ufffd' }));
  expect(canonicalJson({ b: 1, a: 'x' })).toBe('{"a":"x","b":1}');
});
