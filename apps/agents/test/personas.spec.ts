// Locks in the roster: six agents as data, each complete enough for both brains.
import { AGENT_IDS, getPersona, isAgentId, PersonaSchema, ROSTER } from '../src/lib/personas';

describe('roster', () => {
  it('holds the six production agents in order', () => {
    expect(ROSTER.map((p) => p.id)).toEqual([
      'trump-donald',
      'trump-melania',
      'trump-eric',
      'trump-donjr',
      'trump-barron',
      'cz',
    ]);
    expect([...AGENT_IDS]).toEqual(ROSTER.map((p) => p.id));
  });

  it('validates every persona against the schema', () => {
    for (const persona of ROSTER) expect(PersonaSchema.safeParse(persona).success).toBe(true);
  });

  it('lets only the president decide pardons; everyone else refers them to him', () => {
    for (const persona of ROSTER) {
      if (persona.id === 'trump-donald') expect(persona.refersPardonTo).toBeUndefined();
      else expect(persona.refersPardonTo).toBe('trump-donald');
    }
  });

  it('gives every agent distinct lines (no persona borrows another one’s voice)', () => {
    const seen = new Map<string, string>();
    for (const persona of ROSTER) {
      for (const lines of Object.values(persona.lines)) {
        for (const line of lines) {
          expect(seen.get(line)).toBeUndefined();
          seen.set(line, persona.id);
        }
      }
    }
  });

  it('prices every favour in positive USDC', () => {
    for (const persona of ROSTER) {
      for (const favour of persona.favours) expect(favour.priceUsdc).toBeGreaterThan(0);
    }
  });

  it('finds personas by id and tells agents from players', () => {
    expect(getPersona('cz').displayName).toBe('CZ');
    expect(() => getPersona('trump-ivanka')).toThrow(/unknown agent id "trump-ivanka"/);
    expect(isAgentId('trump-barron')).toBe(true);
    expect(isAgentId('7xKXtg2CW87d97TXJSDpbD5jBkheTqA83TZRuJosgAsU')).toBe(false);
  });
});
