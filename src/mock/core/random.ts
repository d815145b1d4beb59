/**
 * A small seeded generator (mulberry32 over a string hash) for everything the mock makes up: dynamic picks, file
 * names, latency jitter. The same seed gives the same sequence, on Node and in a page alike, with no dependency.
 */
export type Random = () => number;

export function seededRandom(seed: string): Random {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 0x01000193);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `seed` made repeatable when given, else the platform's own randomness. */
export function randomFor(seed: string | number | undefined): Random {
  return seed === undefined ? Math.random : seededRandom(String(seed));
}

/** An integer from `min` to `max`, both included. */
export function between(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
