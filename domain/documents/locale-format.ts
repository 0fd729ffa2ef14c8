import Big from 'big.js';
import { minorUnits } from '../money/currency.js';

/**
 * Dates, numbers and money in an invoice's locale, all through Intl (the ICU data that ships with
 * Node), so no locale rule is written by hand here.
 */
export type LocaleFormat = {
  money(minor: number): string;
  date(calendarDate: string): string;
  quantity(value: number): string;
  percent(value: number): string;
};

/**
 * Minor units to the exact major amount as a decimal string ("123456" → "1234.56" for EUR, "123456"
 * for JPY). Intl formats such a string without passing it through a binary float, so even amounts
 * past 2^53 / 100 come out digit for digit.
 */
export function majorAmount(minor: number, currency: string): `${number}` {
  return new Big(minor).div(new Big(10).pow(minorUnits(currency))).toFixed(minorUnits(currency)) as `${number}`;
}

export function localeFormat(locale: string, currency: string): LocaleFormat {
  const digits = minorUnits(currency);
  const money = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  // Calendar dates carry no time zone: formatting their UTC midnight in UTC keeps the day as written.
  const date = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
  const quantity = new Intl.NumberFormat(locale, { maximumFractionDigits: 6 });
  const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 4 });
  return {
    money: (minor) => money.format(majorAmount(minor, currency)),
    date: (d) => {
      const [y, m, day] = d.split('-').map(Number) as [number, number, number];
      return date.format(new Date(Date.UTC(y, m - 1, day)));
    },
    quantity: (v) => quantity.format(`${v}` as `${number}`),
    percent: (v) => percent.format(new Big(v).div(100).toString() as `${number}`),
  };
}
