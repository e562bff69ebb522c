import { createHash } from 'node:crypto';
import type { Config } from '@mic/config';
import { readNifti, sourceSeriesFromHeaders } from '@mic/dicom';
import type { Volume } from '@mic/imaging';
import { orthancJson, orthancRequest } from '@mic/pacs';
import { assembleOne, combinedLabels, derivedObjects, derivedUids } from '@mic/worker';

// The return half of the edge: the platform's results come back over the same outbound channel. The platform sends
// nothing identifying: the edge downloads the de-identified label maps and report of a series it uploaded, and builds
// the SEG and SR here, over the original images in its own Orthanc, with the worker's own writer and UIDs (the same
// instances a PACS the platform reaches would get). Re-identification never leaves the hospital.

/** A series sent, whose result is still to come back. */
export interface Awaiting {
  /** The series in the platform's API: the Retrieve URL of the STOW-RS answer. */
  href: string;
  /** When it was sent (ms). */
  since: number;
  /** Not asked again before (ms). */
  next?: number;
  /** What was last said of it, so that each change is said once. */
  said?: string;
}

export interface ResultOptions {
  /** The platform's API base, e.g. https://mic.example.org. */
  apiUrl: string;
  /** Give up on a series after this long without a result. */
  waitMs: number;
  /** Between two questions about the same series. */
  everyMs: number;
}

interface ApiAnalysis {
  id: number;
  analysisVersion: string;
  revision: number;
  status: string;
  error: string | null;
  artifacts: { name: string; sha256: string; href: string }[];
}

interface ApiSeries {
  series: { selected: boolean | null; notAnalysedReason: string | null };
  analyses: ApiAnalysis[];
}

type Outcome = { done: boolean; note: string };

const NEEDED = ['report.json', 'lungs.nii.gz', 'lesions.nii.gz'];

/** The same grid: dimensions equal, origin and spacing within 0.01 mm. */
export function sameGrid(a: Volume, b: Volume): boolean {
  const close = (x: readonly number[], y: readonly number[]) => x.every((v, i) => Math.abs(v - y[i]) < 0.01);
  return a.dims.every((d, i) => d === b.dims[i]) && close(a.origin, b.origin) && close(a.spacing, b.spacing);
}

const duration = (ms: number) =>
  ms >= 3_600_000 ? `${Math.round(ms / 360_000) / 10} h` : `${Math.round(ms / 60_000)} min`;

export class Results {
  constructor(
    private readonly config: Config,
    private readonly o: ResultOptions,
    private readonly token: () => Promise<string>,
    private readonly say: (line: string) => void,
  ) {}

  /** Asks about each awaited series that is due; stores the results that are ready. Returns how many came back. */
  async collect(awaiting: Record<string, Awaiting>, now = Date.now()): Promise<number> {
    let stored = 0;
    for (const [series, w] of Object.entries(awaiting)) {
      if ((w.next ?? 0) > now) continue;
      w.next = now + this.o.everyMs;
      let outcome: Outcome;
      try {
        outcome = await this.check(series, w);
      } catch (err) {
        if (/not reachable/.test((err as Error).message)) throw err; // the platform or Orthanc is away: next round
        outcome = { done: false, note: `no result yet: ${(err as Error).message}` };
      }
      if (!outcome.done && now - w.since > this.o.waitMs)
        outcome = { done: true, note: `given up after ${duration(this.o.waitMs)}: ${outcome.note}` };
      if (outcome.note !== w.said) this.say(`series ${series}: ${outcome.note}`);
      w.said = outcome.note;
      if (outcome.done) {
        if (outcome.note.startsWith('SEG and SR stored')) stored++;
        delete awaiting[series];
      }
    }
    return stored;
  }

  private async check(series: string, w: Awaiting): Promise<Outcome> {
    const res = await this.api(w.href);
    if (res.status === 404) return { done: true, note: 'the platform has no such series (deleted?)' };
    const body = (await res.json()) as ApiSeries;
    if (body.series.selected === false)
      return { done: true, note: `not analysed: ${body.series.notAnalysedReason ?? 'not selected'}` };
    const a = body.analyses[0]; // newest first
    if (!a) return { done: false, note: 'not queued yet' };
    if (a.status !== 'done') return { done: false, note: `analysis ${a.status}${a.error ? `: ${a.error}` : ''}` };
    const uids = await this.store(series, a);
    return { done: true, note: `SEG and SR stored (analysis ${a.id}, SEG ${uids.segSopUid})` };
  }

  /** The result rebuilt over the original series and stored in the hospital's Orthanc. */
  private async store(series: string, a: ApiAnalysis) {
    const [reportBytes, lungsBytes, lesionsBytes] = await Promise.all(NEEDED.map((n) => this.file(a, n)));
    const report = JSON.parse(new TextDecoder().decode(reportBytes));
    const lungs = readNifti(lungsBytes);
    const lesions = readNifti(lesionsBytes);
    if (!(lungs.data instanceof Uint8Array) || !(lesions.data instanceof Uint8Array))
      throw new Error('label maps are not 8-bit');
    const original = await this.original(series);
    if (!sameGrid(original.volume, lungs) || !sameGrid(lungs, lesions))
      throw new Error(
        `the result's grid (${lungs.dims.join('x')}) is not the series' (${original.volume.dims.join('x')}): changed since it was sent?`,
      );
    const labels = combinedLabels({
      lungs: lungs as Volume<Uint8Array>,
      lesions: lesions as Volume<Uint8Array>,
    });
    const source = sourceSeriesFromHeaders(original.headers);
    const uids = derivedUids(source.studyInstanceUid, source.seriesInstanceUid, a.analysisVersion, a.revision);
    const out = derivedObjects(source, labels, { report, dims: lungs.dims }, uids);
    for (const bytes of [out.seg, out.sr])
      await orthancRequest(
        this.config,
        '/instances',
        { method: 'POST', headers: { 'content-type': 'application/dicom' }, body: bytes },
        60_000,
      );
    return uids;
  }

  /** The series as it is in the hospital's Orthanc, assembled as the worker assembles its de-identified copy. */
  private async original(series: string) {
    const s = (await orthancJson(this.config, `/series/${series}`)) as {
      Instances: string[];
      MainDicomTags: { SeriesInstanceUID?: string };
    };
    const inputs = [];
    for (const id of s.Instances) {
      const res = await orthancRequest(this.config, `/instances/${id}/file`, {}, 60_000);
      inputs.push({ name: id, bytes: new Uint8Array(await res.arrayBuffer()) });
    }
    return assembleOne(inputs, s.MainDicomTags.SeriesInstanceUID ?? '');
  }

  /** One stored file of the analysis, checked against the catalogue's SHA-256. */
  private async file(a: ApiAnalysis, name: string): Promise<Uint8Array> {
    const artifact = a.artifacts.find((f) => f.name === name);
    if (!artifact) throw new Error(`analysis ${a.id} has no ${name}`);
    const res = await this.api(artifact.href);
    if (!res.ok) throw new Error(`${name} of analysis ${a.id}: HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (createHash('sha256').update(bytes).digest('hex') !== artifact.sha256)
      throw new Error(`${name} of analysis ${a.id} does not match its SHA-256`);
    return bytes;
  }

  /** A GET of the platform's API with the edge's token (renewed before it expires). */
  private async api(path: string): Promise<Response> {
    const url = `${this.o.apiUrl.replace(/\/+$/, '')}${path}`;
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${await this.token()}` },
      signal: AbortSignal.timeout(120_000),
    }).catch((err: Error & { cause?: { code?: string } }) => {
      throw new Error(`platform API not reachable at ${url}: ${err.cause?.code ?? err.message}`);
    });
    if (res.status !== 200 && res.status !== 404) {
      const why = ((await res.json().catch(() => ({}))) as { error?: string }).error;
      throw new Error(`platform API ${path}: HTTP ${res.status}${why ? `: ${why}` : ''}`);
    }
    return res;
  }
}
