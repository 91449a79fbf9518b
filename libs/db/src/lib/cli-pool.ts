import pg from 'pg';

// prisma/orm#27403: the WASM schema engine cannot deserialize PostgreSQL's `"char"` (OID 18) and
// `name` (OID 19) result columns that its introspection queries return; text (OID 25) carries the
// same values, so the CLI's connections report them as text.
const REMAPPED_OIDS: ReadonlyMap<number, number> = new Map([
  [18, 25],
  [19, 25],
]);

function remapFields(result: unknown): void {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results) {
    const fields = (r as { fields?: Array<{ dataTypeID: number }> } | undefined)?.fields;
    for (const field of fields ?? []) {
      const mapped = REMAPPED_OIDS.get(field.dataTypeID);
      if (mapped !== undefined) field.dataTypeID = mapped;
    }
  }
}

class OidRemappingClient extends pg.Client {
  // pg.Pool calls query() with a trailing callback, adapter-pg awaits the promise form: cover both.
  override query(...args: unknown[]): never {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      const callback = last as (err: unknown, res: unknown) => void;
      args[args.length - 1] = (err: unknown, res: unknown) => {
        if (!err) remapFields(res);
        callback(err, res);
      };
    }
    const out = (super.query as (...a: unknown[]) => unknown)(...args);
    if (out && typeof (out as Promise<unknown>).then === 'function') {
      return (out as Promise<unknown>).then((res) => {
        remapFields(res);
        return res;
      }) as never;
    }
    return out as never;
  }
}

/**
 * The pg pool the Prisma CLI (migrate deploy/dev/status) uses. Connection settings are passed one
 * by one rather than as a connection string so that the shadow database Prisma creates is honoured,
 * and idle connections close quickly so the CLI can exit.
 */
export function cliPool(databaseUrl: string | undefined): pg.Pool {
  if (!databaseUrl) {
    throw new Error('DATABASE_URL must be set to run Prisma migrate commands');
  }
  const url = new URL(databaseUrl);
  return new pg.Pool({
    host: url.hostname,
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres',
    max: 2,
    idleTimeoutMillis: 200,
    Client: OidRemappingClient,
  });
}
