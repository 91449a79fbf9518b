// Locks in environment parsing: the reader falls back to the writer, pool sizes are numbers with
// defaults, and every bad or missing variable is named at once.
import { createDb, DbConfigError, loadDbConfig } from '../src';

describe('loadDbConfig', () => {
  test('falls back to the writer URL and pool size for the reader', () => {
    expect(loadDbConfig({ DATABASE_URL: 'postgresql://u:p@db:5432/app' })).toEqual({
      writeUrl: 'postgresql://u:p@db:5432/app',
      readUrl: 'postgresql://u:p@db:5432/app',
      writePoolSize: 10,
      readPoolSize: 10,
    });
  });

  test('reads the reader URL and both pool sizes', () => {
    expect(
      loadDbConfig({
        DATABASE_URL: 'postgres://w/app',
        DATABASE_READ_URL: 'postgres://r/app',
        DATABASE_POOL_SIZE: '20',
        DATABASE_READ_POOL_SIZE: '5',
      }),
    ).toEqual({
      writeUrl: 'postgres://w/app',
      readUrl: 'postgres://r/app',
      writePoolSize: 20,
      readPoolSize: 5,
    });
  });

  test('treats an empty reader URL as unset', () => {
    expect(loadDbConfig({ DATABASE_URL: 'postgres://w/app', DATABASE_READ_URL: '' }).readUrl).toBe(
      'postgres://w/app',
    );
  });

  test('names every missing or invalid variable', () => {
    let error: unknown;
    try {
      loadDbConfig({ DATABASE_READ_URL: 'mysql://x', DATABASE_POOL_SIZE: 'lots' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DbConfigError);
    const message = (error as Error).message;
    expect(message).toContain('DATABASE_URL');
    expect(message).toContain('DATABASE_READ_URL');
    expect(message).toContain('DATABASE_POOL_SIZE');
  });

  test('rejects a pool size of zero', () => {
    expect(() =>
      loadDbConfig({ DATABASE_URL: 'postgres://w/app', DATABASE_POOL_SIZE: '0' }),
    ).toThrow(/DATABASE_POOL_SIZE/);
  });
});

describe('createDb', () => {
  test('refuses a URL that is not PostgreSQL', () => {
    expect(() => createDb({ writeUrl: 'http://example' })).toThrow(DbConfigError);
  });
});
