import { expect, test } from 'vitest';
import { paperFormat } from '../../../../domain/documents/paper-format.js';

test('Letter where the region uses it, A4 everywhere else', () => {
  for (const l of ['en-US', 'en-CA', 'fr-CA', 'es-MX', 'en-PH', 'es-CL', 'es-CO'])
    expect(paperFormat(l), l).toBe('Letter');
  for (const l of ['nl-NL', 'de-DE', 'fr-FR', 'es-ES', 'en-GB', 'en-AU', 'en-IN', 'pt-BR'])
    expect(paperFormat(l), l).toBe('A4');
});

test('a locale without a region takes its likely one', () => {
  expect(paperFormat('en')).toBe('Letter'); // en → en-Latn-US
  expect(paperFormat('nl')).toBe('A4');
  expect(paperFormat('es')).toBe('A4'); // es → es-Latn-ES
});
