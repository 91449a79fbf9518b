// The parts of the two untyped peer packages the benchmark calls.
declare module 'hashring' {
  export default class HashRing {
    constructor(servers: string[], algorithm?: string, options?: Record<string, unknown>);
    get(key: string): string | undefined;
  }
}

declare module 'hash-ring' {
  export default class HashRing {
    constructor(nodes: string[], options?: { replicas?: number; hashMethod?: 'crc32' | 'md5' });
    getNode(key: string): string | null;
  }
}
