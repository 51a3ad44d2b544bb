import { describe, expect, it } from 'vitest';
import { BUSINESS_DAY_STARTS_AT_HOUR, businessDate, dayAfter } from './business-date.ts';

describe('businessDate', () => {
  it('starts the business day at 04:00', () => {
    expect(BUSINESS_DAY_STARTS_AT_HOUR).toBe(4);
  });

  it('names the next business day across months, years and 29 February', () => {
    expect(['2024-05-01', '2024-04-30', '2023-12-31', '2024-02-28', '2024-02-29', '2023-02-28'].map(dayAfter)).toEqual([
      '2024-05-02',
      '2024-05-01',
      '2024-01-01',
      '2024-02-29',
      '2024-03-01',
      '2023-03-01',
    ]);
  });

  it.each([
    { local: '2024-05-01 12:00', utc: '2024-05-01T04:00:00Z', date: '2024-05-01' },
    { local: '2024-05-01 04:00', utc: '2024-04-30T20:00:00Z', date: '2024-05-01' },
    { local: '2024-05-01 03:59', utc: '2024-04-30T19:59:00Z', date: '2024-04-30' },
    { local: '2024-05-01 00:00', utc: '2024-04-30T16:00:00Z', date: '2024-04-30' },
    { local: '2024-05-01 23:59', utc: '2024-05-01T15:59:00Z', date: '2024-05-01' },
    { local: '2024-01-01 03:59 (New Year)', utc: '2023-12-31T19:59:00Z', date: '2023-12-31' },
    { local: '2024-01-01 04:00 (New Year)', utc: '2023-12-31T20:00:00Z', date: '2024-01-01' },
    { local: '2024-03-01 02:00 (leap year)', utc: '2024-02-29T18:00:00Z', date: '2024-02-29' },
  ])('Asia/Shanghai $local belongs to $date', ({ utc, date }) => {
    expect(businessDate(Date.parse(utc), 'Asia/Shanghai')).toBe(date);
  });

  it.each([
    { zone: 'UTC', utc: '2024-05-01T03:59:00Z', date: '2024-04-30' },
    { zone: 'UTC', utc: '2024-05-01T04:00:00Z', date: '2024-05-01' },
    { zone: 'Asia/Kolkata', utc: '2024-04-30T22:29:00Z', date: '2024-04-30' }, // 03:59 IST (UTC+5:30)
    { zone: 'Asia/Kolkata', utc: '2024-04-30T22:30:00Z', date: '2024-05-01' }, // 04:00 IST
    { zone: 'America/New_York', utc: '2024-07-04T07:59:00Z', date: '2024-07-03' }, // 03:59 EDT
    { zone: 'America/New_York', utc: '2024-07-04T08:00:00Z', date: '2024-07-04' }, // 04:00 EDT
  ])('reads the wall clock of the store zone: $utc in $zone belongs to $date', ({ zone, utc, date }) => {
    expect(businessDate(Date.parse(utc), zone)).toBe(date);
  });

  // regression: subtracting 4 h of real time was an hour off on daylight-saving change days
  it.each([
    { zone: 'America/New_York', utc: '2024-03-10T08:30:00Z', date: '2024-03-10' }, // 04:30 EDT, spring forward
    { zone: 'America/New_York', utc: '2024-11-03T08:30:00Z', date: '2024-11-02' }, // 03:30 EST, fall back
    { zone: 'Europe/London', utc: '2024-03-31T03:30:00Z', date: '2024-03-31' }, // 04:30 BST
  ])('keeps 04:00 local on a daylight-saving change day: $utc in $zone belongs to $date', ({ zone, utc, date }) => {
    expect(businessDate(Date.parse(utc), zone)).toBe(date);
  });

  it('gives the same instant different business dates in different zones', () => {
    const instant = Date.parse('2024-05-01T21:00:00Z'); // 05:00 on 2 May in Shanghai, 17:00 on 1 May in New York
    expect([businessDate(instant, 'Asia/Shanghai'), businessDate(instant, 'America/New_York')]).toEqual(['2024-05-02', '2024-05-01']);
  });
});
