import { describe, expect, test } from 'vitest';
import { isCurrency, minorUnits } from '../../../../domain/money/currency.js';

describe('currency', () => {
  test.each([
    ['USD', 2],
    ['EUR', 2],
    ['JPY', 0],
    ['KWD', 3],
  ])('%s has %i minor units', (code, units) => {
    expect(minorUnits(code)).toBe(units);
  });

  test.each(['USD', 'EUR', 'JPY', 'KWD', 'GBP'])('%s is a currency', (code) => {
    expect(isCurrency(code)).toBe(true);
  });

  test.each(['XXY', 'usd', 'US', 'USDD', '', ' USD'])('%j is not a currency', (code) => {
    expect(isCurrency(code)).toBe(false);
  });
});
