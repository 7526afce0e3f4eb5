/** Rota files as a manager writes them: local times of the office in its zone (DST included), ISO, CSV quirks. */
import { describe, expect, it } from 'vitest';
import { parseRota, rotaInstant } from '../../../gateway/src/scoring/rota.js';

const at = (text: string, zone: string) => {
  const t = rotaInstant(text, zone);
  return typeof t === 'number' ? new Date(t).toISOString() : t;
};

describe('rota times', () => {
  it('reads a local time in the office zone, and ISO with an offset as it is', () => {
    expect(at('2026-12-01 09:00', 'Europe/Moscow')).toBe('2026-12-01T06:00:00.000Z');
    expect(at('2026-12-01T09:00', 'Asia/Vladivostok')).toBe('2026-11-30T23:00:00.000Z');
    expect(at('2026-12-01T09:00:00+03:00', 'Europe/Berlin')).toBe('2026-12-01T06:00:00.000Z');
    expect(at('2026-12-01T09:00:00Z', 'Europe/Berlin')).toBe('2026-12-01T09:00:00.000Z');
  });

  it('follows DST: a skipped local time is refused, a repeated one is its first occurrence', () => {
    expect(at('2026-03-29 03:30', 'Europe/Berlin')).toBe('2026-03-29T01:30:00.000Z');
    expect(at('2026-03-29 01:30', 'Europe/Berlin')).toBe('2026-03-29T00:30:00.000Z');
    expect(at('2026-03-29 02:30', 'Europe/Berlin')).toMatch(/does not exist in Europe\/Berlin/);
    expect(at('2026-10-25 02:30', 'Europe/Berlin')).toBe('2026-10-25T00:30:00.000Z');
  });

  it('refuses what is not a time', () => {
    expect(at('2026-02-30 09:00', 'UTC')).toMatch(/not a time/);
    expect(at('2026-12-01 25:00', 'UTC')).toMatch(/not a time/);
    expect(at('tomorrow 9am', 'UTC')).toMatch(/neither a local time/);
  });
});

describe('rota files', () => {
  it('skips the header and blank lines and keeps each row’s line number; quoted fields may hold commas', async () => {
    const { rows, errors } = await parseRota(
      'desk,employee,from,to\r\nd1,e1,2026-12-01 09:00,2026-12-01 18:00\r\n\r\n"d,2",e2,2026-12-01 09:00\n',
    );
    expect(errors).toEqual([]);
    expect(rows).toEqual([
      { line: 2, desk: 'd1', employee: 'e1', from: '2026-12-01 09:00', to: '2026-12-01 18:00' },
      { line: 4, desk: 'd,2', employee: 'e2', from: '2026-12-01 09:00', to: '' },
    ]);
  });

  it('names the line of each malformed row', async () => {
    const { errors } = await parseRota('d1,e1,2026-12-01 09:00,\nd2,e2\nd3,,2026-12-01 09:00,\nd4,e4,,\nd5,e5,a,b,c\n');
    expect(errors).toEqual([
      { line: 2, message: expect.stringMatching(/expected 4 columns.*got 2/) },
      { line: 3, message: 'employee: empty' },
      { line: 4, message: 'from: empty' },
      { line: 5, message: expect.stringMatching(/got 5/) },
    ]);
  });

  it('refuses a file that is not CSV or is empty', async () => {
    expect((await parseRota('d1,e1,"2026-12-01 09:00\n')).errors[0]!.message).toMatch(/^not CSV/);
    expect((await parseRota('desk,employee,from,to\n')).errors).toEqual([{ line: 1, message: 'no rows' }]);
  });
});
