import { describe, expect, it } from '@jest/globals';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { edgeStatus, orthancTime, readState, throttleDelayMs, writeState } from '../src/edge/edge.js';

describe('edge', () => {
  it('waits just long enough to keep to the rate', () => {
    expect(throttleDelayMs(1_000_000, 0, 500_000)).toBe(2000);
    expect(throttleDelayMs(1_000_000, 1500, 500_000)).toBe(500);
    expect(throttleDelayMs(1_000_000, 5000, 500_000)).toBe(0);
    expect(throttleDelayMs(1e12, 0, 0)).toBe(0); // no limit
  });

  it('keeps its state whole: a fresh start without a file, the last written state after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mic-edge-state-'));
    const file = join(dir, 'state.json');
    expect(readState(file)).toEqual({ since: 0, pending: {}, sent: {}, done: [] });
    const state = { since: 42, pending: { a: 0 }, sent: { a: ['i1'] }, done: ['b'] };
    writeState(file, state);
    expect(readState(file)).toEqual(state);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    writeFileSync(file, '{"since": 4');
    expect(() => readState(file)).toThrow(/edge state .* unreadable/);
  });

  it('says what waits to be sent and what waits to come back, oldest first', () => {
    const state = {
      since: 7,
      pending: { a: 1 },
      sent: {},
      done: ['b', 'c'],
      awaiting: {
        s2: { href: '/api/v1/studies/1/series/2', since: 50_000, said: 'analysis running' },
        s1: { href: '/api/v1/studies/1/series/1', since: 10_000 },
      },
    };
    expect(edgeStatus(state, 70_000)).toEqual({
      changesReadUpTo: 7,
      studiesPending: 1,
      studiesDone: 2,
      seriesAwaitingResults: 2,
      awaiting: [
        { series: 's1', href: '/api/v1/studies/1/series/1', waitingSeconds: 60 },
        { series: 's2', href: '/api/v1/studies/1/series/2', waitingSeconds: 20, last: 'analysis running' },
      ],
    });
  });

  it("reads Orthanc's timestamps for differences on its own clock", () => {
    expect(orthancTime('20261207T165531') - orthancTime('20261207T165431')).toBe(60_000);
    expect(orthancTime('20270101T000000.123') - orthancTime('20261231T235959')).toBe(1000);
    expect(() => orthancTime('yesterday')).toThrow(/not an Orthanc timestamp/);
  });
});
