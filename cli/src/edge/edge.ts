import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Config } from '@mic/config';
import { orthancJson, orthancRequest, stowBody } from '@mic/pacs';
import { platformFetch, unreachable, type PlatformFetch } from './http.js';
import { Results, type Awaiting, type ResultOptions } from './results.js';

// The hospital side of an outbound-only link: follows the hospital's Orthanc and uploads each settled study to the
// platform's STOW-RS endpoint with the edge's own service token, then brings each series' SEG and SR back into that
// Orthanc (results.ts). Only outgoing connections: the platform never needs to reach into the hospital. Resumable
// (what was sent is kept in a state file, written after every series; STOW-RS is idempotent on the platform, so a
// series cut off mid-way is simply sent again) and throttled (bytes per second).

export interface EdgeOptions {
  stowUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  stateFile: string;
  /** Upload rate limit; 0: none. */
  bytesPerSecond: number;
  /** A study is ready after this many quiet seconds, or on Orthanc's StableStudy. */
  settleSeconds: number;
  lane: 'clinical' | 'research';
  /** Where results come back from; none: upload only. */
  results?: ResultOptions;
  /** Where the edge says what became of a series' result. */
  say?: (line: string) => void;
  /** The hospital's outbound proxy for the platform's addresses; none: HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  proxy?: string;
}

export interface EdgeState {
  /** Orthanc change sequence read up to. */
  since: number;
  /** Orthanc study id -> 0 once Orthanc called it stable, else 1 (ready after settleSeconds without an update). */
  pending: Record<string, number>;
  /** Orthanc study id -> Orthanc instance ids already sent (pending studies and the last done). */
  sent: Record<string, string[]>;
  /** Studies finished, newest last (the last 1000). */
  done: string[];
  /** Orthanc series id -> its result still to come back. */
  awaiting?: Record<string, Awaiting>;
}

export function readState(file: string): EdgeState {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EdgeState;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { since: 0, pending: {}, sent: {}, done: [] };
    throw new Error(`edge state ${file} unreadable: ${(err as Error).message}`);
  }
}

/** What an operator asks of a running edge: what waits to be sent, and what waits to come back, oldest first. */
export function edgeStatus(state: EdgeState, now = Date.now()) {
  const awaiting = Object.entries(state.awaiting ?? {})
    .sort(([, a], [, b]) => a.since - b.since)
    .map(([series, w]) => ({
      series,
      href: w.href,
      waitingSeconds: Math.round((now - w.since) / 1000),
      ...(w.said ? { last: w.said } : {}),
    }));
  return {
    changesReadUpTo: state.since,
    studiesPending: Object.keys(state.pending).length,
    studiesDone: state.done.length,
    seriesAwaitingResults: awaiting.length,
    awaiting,
  };
}

/** Written to a new file, then renamed over the old one: a crash leaves the old state or the new, never half. */
export function writeState(file: string, state: EdgeState): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(state));
  renameSync(`${file}.tmp`, file);
}

/** How long to wait before sending more, so that `sent` bytes since `startMs` stay within `rate` per second. */
export function throttleDelayMs(sent: number, elapsedMs: number, rate: number): number {
  return rate > 0 ? Math.max(0, (sent / rate) * 1000 - elapsedMs) : 0;
}

/** Orthanc's timestamps (YYYYMMDDTHHMMSS, its own clock) as ms, for differences between two of them. */
export function orthancTime(t: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})/.exec(t);
  if (!m) throw new Error(`not an Orthanc timestamp: ${t}`);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

export interface RoundResult {
  uploaded: number;
  refused: number;
  studiesDone: number;
  /** Series whose SEG and SR came back into the hospital's Orthanc. */
  resultsStored: number;
  /** Series the engine refused, whose "not analysed" notice was stored there instead. */
  noticesStored: number;
  /** Series whose result did not come within the wait. */
  resultsGivenUp: number;
  /** Bytes of DICOM sent over STOW-RS. */
  bytesSent: number;
}

export const emptyRound = (): RoundResult => ({
  uploaded: 0,
  refused: 0,
  studiesDone: 0,
  resultsStored: 0,
  noticesStored: 0,
  resultsGivenUp: 0,
  bytesSent: 0,
});

/** One round: read Orthanc's changes, upload the studies that are ready, save the state after each series. */
export class Edge {
  private token: { value: string; expires: number } | undefined;
  private sentBytes = 0;
  private readonly start = Date.now();
  private readonly results: Results | undefined;
  private readonly fetch: PlatformFetch;

  constructor(
    private readonly config: Config,
    private readonly o: EdgeOptions,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {
    const say = o.say ?? ((line: string) => process.stderr.write(`edge: ${line}\n`));
    this.fetch = platformFetch(o.proxy);
    if (o.results) this.results = new Results(config, o.results, () => this.accessToken(), say, this.fetch);
  }

  async round(): Promise<RoundResult> {
    const state = readState(this.o.stateFile);
    await this.readChanges(state);
    writeState(this.o.stateFile, state);
    const result = emptyRound();
    const now = orthancTime(await this.orthancNow());
    for (const [study, stable] of Object.entries(state.pending)) {
      if (stable && !(await this.quiet(study, now))) continue;
      await this.uploadStudy(study, state, result);
      delete state.pending[study];
      // what was sent stays known while the study is among the last done: a late StableStudy sends only the rest
      state.done = [...state.done.filter((d) => d !== study), study];
      for (const old of state.done.splice(0, Math.max(0, state.done.length - 1000))) delete state.sent[old];
      result.studiesDone++;
      writeState(this.o.stateFile, state);
    }
    if (this.results && state.awaiting) {
      try {
        const back = await this.results.collect(state.awaiting);
        result.resultsStored = back.results;
        result.noticesStored = back.notices;
        result.resultsGivenUp = back.givenUp;
      } finally {
        writeState(this.o.stateFile, state);
      }
    }
    return result;
  }

  private async readChanges(state: EdgeState): Promise<void> {
    for (;;) {
      const page = (await orthancJson(this.config, `/changes?since=${state.since}&limit=100`)) as {
        Changes: { ChangeType: string; ResourceType: string; ID: string; Seq: number }[];
        Done: boolean;
        Last: number;
      };
      for (const c of page.Changes) {
        if (c.ChangeType === 'StableStudy') state.pending[c.ID] = 0;
        else if (c.ChangeType === 'NewStudy' && state.pending[c.ID] !== 0) state.pending[c.ID] = 1;
        else if (c.ChangeType === 'NewSeries') {
          // a series added to a study already sent: the study is pending again (only the new series is sent)
          const series = (await orthancJson(this.config, `/series/${c.ID}`).catch(() => null)) as {
            ParentStudy: string;
          } | null;
          if (series && state.pending[series.ParentStudy] !== 0) state.pending[series.ParentStudy] = 1;
        }
      }
      state.since = page.Last;
      if (page.Done || page.Changes.length === 0) return;
    }
  }

  /** Orthanc's clock (GET /tools/now answers plain text). */
  private async orthancNow(): Promise<string> {
    return (await orthancRequest(this.config, '/tools/now')).text();
  }

  /** No instance added to the study for settleSeconds, by Orthanc's own clock (its LastUpdate); gone counts as quiet. */
  private async quiet(study: string, now: number): Promise<boolean> {
    const s = (await orthancJson(this.config, `/studies/${study}`).catch((err: Error) => {
      if (/HTTP 404/.test(err.message)) return null;
      throw err;
    })) as { LastUpdate?: string } | null;
    if (!s?.LastUpdate || this.o.settleSeconds <= 0) return true;
    return now - orthancTime(s.LastUpdate) >= this.o.settleSeconds * 1000;
  }

  /**
   * One request per series: the platform takes each STOW-RS request as a unit of completeness, so a series split over
   * requests would be analysed once per part (amendments). A series cut off by a crash is sent again whole.
   */
  private async uploadStudy(study: string, state: EdgeState, result: RoundResult): Promise<void> {
    const series = (await orthancJson(this.config, `/studies/${study}/series`).catch((err: Error) => {
      // deleted at the hospital before it was sent: nothing left to send (not a reason to stop the edge)
      if (/HTTP 404/.test(err.message)) return [];
      throw err;
    })) as { ID: string; Instances: string[] }[];
    const sent = new Set(state.sent[study] ?? []);
    for (const s of series) {
      const todo = s.Instances.filter((id) => !sent.has(id));
      if (!todo.length) continue;
      const parts: Uint8Array[] = [];
      for (const id of todo) {
        const res = await orthancRequest(this.config, `/instances/${id}/file`, {}, 60_000);
        parts.push(new Uint8Array(await res.arrayBuffer()));
      }
      const r = await this.post(parts);
      result.uploaded += r.stored;
      result.bytesSent += r.bytes;
      result.refused += r.failed;
      // one series per request, so one Retrieve URL: where its result will be (a re-sent series waits anew)
      if (this.results && r.hrefs.length === 1) (state.awaiting ??= {})[s.ID] = { href: r.hrefs[0], since: Date.now() };
      for (const id of todo) sent.add(id);
      state.sent[study] = [...sent];
      writeState(this.o.stateFile, state);
    }
  }

  /**
   * One STOW-RS request; 401 once renews the token, 429 waits as told. Returns the parts stored and refused, and the
   * distinct Retrieve URLs of those stored.
   */
  private async post(parts: Uint8Array[]): Promise<{ stored: number; failed: number; hrefs: string[]; bytes: number }> {
    const bytes = parts.reduce((s, p) => s + p.length, 0);
    await this.sleep(throttleDelayMs(this.sentBytes + bytes, Date.now() - this.start, this.o.bytesPerSecond));
    const { body, contentType } = stowBody(parts);
    for (let attempt = 0; ; attempt++) {
      const url = `${this.o.stowUrl.replace(/\/+$/, '')}/studies?lane=${this.o.lane}`;
      const res = await this.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          authorization: `Bearer ${await this.accessToken()}`,
        },
        body,
        signal: AbortSignal.timeout(10 * 60_000),
      }).catch(unreachable('platform STOW-RS', url));
      const answer = (await res.json().catch(() => ({}))) as Record<string, { Value?: unknown[] }> & { error?: string };
      if (res.status === 401 && attempt === 0) {
        this.token = undefined;
        continue;
      }
      if (res.status === 429) {
        await this.sleep(1000 * (Number(res.headers.get('retry-after')) || 60));
        if (attempt < 3) continue;
      }
      if (![200, 202, 409].includes(res.status))
        throw new Error(`platform STOW-RS answered ${res.status}: ${answer.error ?? 'no reason given'}`);
      this.sentBytes += bytes;
      const stored = (answer['00081199']?.Value ?? []) as Record<string, { Value?: unknown[] }>[];
      const hrefs = new Set(stored.map((r) => r['00081190']?.Value?.[0]).filter((h) => typeof h === 'string'));
      const failed = answer['00081198']?.Value?.length ?? 0;
      return { stored: stored.length, failed, hrefs: [...hrefs] as string[], bytes };
    }
  }

  /** The edge's service token (client credentials), renewed 30 s before it expires. */
  private async accessToken(): Promise<string> {
    if (this.token && this.token.expires > Date.now() + 30_000) return this.token.value;
    const res = await this.fetch(this.o.tokenUrl, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.o.clientId,
        client_secret: this.o.clientSecret,
      }),
      signal: AbortSignal.timeout(30_000),
    }).catch(unreachable('Keycloak', this.o.tokenUrl));
    const json = (await res.json().catch(() => ({}))) as { access_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !json.access_token)
      throw new Error(`no token for ${this.o.clientId}: HTTP ${res.status} ${json.error ?? ''}`.trim());
    this.token = { value: json.access_token, expires: Date.now() + 1000 * (json.expires_in ?? 60) };
    return this.token.value;
  }
}
