import { getEventListeners } from 'node:events';
import { CORAL_DIALECTS } from '../src/lib/coral';
import { InMemoryCoral } from './support/in-memory-coral';

// An agent hands its one long-lived stop signal to every wait for mentions of a connection that
// lives for hours. Each call must leave nothing on that signal once it settles: the MCP SDK
// never removes the abort listener it adds to a request's signal, and a listener per wait
// (holding the request's closure) grew the agents' memory and CPU per reply with every mention.
describe.each(CORAL_DIALECTS)('calls over one long-lived signal (%s)', (dialect) => {
  it('leave no abort listener on it after they settle', async () => {
    const coral = new InMemoryCoral(['pool-0'], { dialect });
    const stop = new AbortController();
    const session = await coral.connectorFor('trump-donald')('pool-0', stop.signal);
    try {
      const before = getEventListeners(stop.signal, 'abort').length;
      for (let i = 0; i < 20; i++) {
        const outcome = await session.coral.waitForMentions(1, stop.signal);
        expect(outcome.kind).toBe('timeout');
      }
      expect(getEventListeners(stop.signal, 'abort').length).toBe(before);
    } finally {
      await session.close();
    }
  });

  it('still end a wait in progress when the signal aborts', async () => {
    const coral = new InMemoryCoral(['pool-0'], { dialect });
    const stop = new AbortController();
    const session = await coral.connectorFor('trump-donald')('pool-0', stop.signal);
    try {
      const wait = session.coral.waitForMentions(30_000, stop.signal);
      stop.abort(new Error('agent stopping'));
      await expect(wait).rejects.toThrow();
    } finally {
      await session.close();
    }
  });
});
