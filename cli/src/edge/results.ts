import { createHash } from 'node:crypto';
import type { Config } from '@mic/config';
import { imageInfo, readNifti, sourceSeriesFromHeaders, writeNotice, type DicomFile, type HuFrames } from '@mic/dicom';
import type { Volume } from '@mic/imaging';
import { orthancJson, orthancRequest } from '@mic/pacs';
import { inLanes } from '@mic/telemetry';
import {
  assembleOne,
  combinedLabels,
  derivedObjects,
  derivedUid,
  derivedUids,
  studyTags,
  type OrthancStudy,
} from '@mic/worker';
import { unreachable, type PlatformFetch } from './http.js';

// The return half of the edge: the platform's results come back over the same outbound channel. The platform sends
// nothing identifying: the edge downloads the de-identified label maps and report of a series it uploaded, and builds
// the SEG and SR here, over the original images in its own Orthanc, with the worker's own writer and UIDs (the same
// instances a PACS the platform reaches would get). Re-identification never leaves the hospital. A series the engine
// refused gets the worker's "not analysed" notice instead, written here the same way.

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
  /** Between two questions about the same series (more after a long wait). */
  everyMs: number;
}

interface ApiAnalysis {
  id: number;
  analysisVersion: string;
  revision: number;
  status: string;
  error: string | null;
  refused?: boolean;
  /** What changed since the patient's CT before (the platform's SR says it; so does the one built here). */
  changeSincePrior?: string | null;
  artifacts: { name: string; sha256: string; href: string }[];
}

interface ApiSeries {
  series: { selected: boolean | null; notAnalysedReason: string | null };
  analyses: ApiAnalysis[];
}

/** Whether the series is done with, what to say of it, and what was stored in the hospital's Orthanc. */
type Outcome = { done: boolean; note: string; stored?: 'result' | 'notice' };

export interface Collected {
  /** Series whose SEG and SR were stored. */
  results: number;
  /** Series the engine refused, whose "not analysed" notice was stored. */
  notices: number;
  /** Series given up on: no result within the wait. */
  givenUp: number;
}

const NEEDED = ['report.json', 'lungs.nii.gz', 'lesions.nii.gz'];

/** Frames of zeros: the SEG and SR need the slices' headers and geometry, not their pixels (not decoded). */
async function geometryOnly(file: DicomFile): Promise<HuFrames> {
  const info = imageInfo(file);
  if (!info) throw new Error('no pixel data');
  const zeros = new Int16Array(info.rows * info.columns);
  return { info, padded: 0, frames: Array.from({ length: info.numberOfFrames }, () => zeros) };
}

/** Instances read from Orthanc at a time. */
const LANES = 8;

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
    private readonly fetch: PlatformFetch = globalThis.fetch,
  ) {}

  /** Asks about each awaited series that is due; stores the results (or notices) that are ready. */
  async collect(awaiting: Record<string, Awaiting>, now = Date.now()): Promise<Collected> {
    const stored: Collected = { results: 0, notices: 0, givenUp: 0 };
    for (const [series, w] of Object.entries(awaiting)) {
      if ((w.next ?? 0) > now) continue;
      // every everyMs at first, then less often (a twentieth of the wait so far, at most 10 min): a long research
      // backlog does not fill the platform's audit with the same question
      w.next = now + Math.max(this.o.everyMs, Math.min((now - w.since) / 20, 600_000));
      let outcome: Outcome;
      try {
        outcome = await this.check(series, w);
      } catch (err) {
        if (/not reachable/.test((err as Error).message)) throw err; // the platform or Orthanc is away: next round
        outcome = { done: false, note: `no result yet: ${(err as Error).message}` };
      }
      if (!outcome.done && now - w.since > this.o.waitMs) {
        outcome = { done: true, note: `given up after ${duration(this.o.waitMs)}: ${outcome.note}` };
        stored.givenUp++;
      }
      if (outcome.note !== w.said) this.say(`series ${series}: ${outcome.note}`);
      w.said = outcome.note;
      if (outcome.stored === 'result') stored.results++;
      if (outcome.stored === 'notice') stored.notices++;
      if (outcome.done) delete awaiting[series];
    }
    return stored;
  }

  private async check(series: string, w: Awaiting): Promise<Outcome> {
    const res = await this.api(w.href);
    if (res.status === 404) return { done: true, note: 'the platform has no such series (erased?)' };
    const body = (await res.json()) as ApiSeries;
    if (body.series.selected === false)
      return { done: true, note: `not analysed: ${body.series.notAnalysedReason ?? 'not selected'}` };
    const a = body.analyses[0]; // newest first
    if (!a) return { done: false, note: 'not queued yet' };
    if (a.status === 'failed' && a.refused) {
      const uid = await this.notice(series, a);
      return { done: true, note: `not analysed: ${a.error}; notice stored (${uid})`, stored: 'notice' };
    }
    // a failure of the platform's servers may yet be replayed: waited for
    if (a.status !== 'done') return { done: false, note: `analysis ${a.status}${a.error ? `: ${a.error}` : ''}` };
    const uids = await this.store(series, a);
    return { done: true, note: `SEG and SR stored (analysis ${a.id}, SEG ${uids.segSopUid})`, stored: 'result' };
  }

  /** The worker's "not analysed" Basic Text SR, under the original study's identifiers, with the engine's reason. */
  private async notice(series: string, a: ApiAnalysis): Promise<string> {
    const s = (await orthancJson(this.config, `/series/${series}`)) as {
      ParentStudy: string;
      MainDicomTags: { SeriesInstanceUID?: string; SeriesDescription?: string };
    };
    const study = (await orthancJson(this.config, `/studies/${s.ParentStudy}`)) as OrthancStudy;
    const studyUid = study.MainDicomTags?.StudyInstanceUID;
    const seriesUid = s.MainDicomTags.SeriesInstanceUID;
    if (!studyUid || !seriesUid) throw new Error('the series has no study or series UID in Orthanc');
    const uid = (what: string) => derivedUid('mic-notice', studyUid, seriesUid, a.analysisVersion, a.revision, what);
    const { bytes, sopInstanceUid } = writeNotice({
      study: {
        ...studyTags(study),
        patientName: study.PatientMainDicomTags?.PatientName,
        patientId: study.PatientMainDicomTags?.PatientID,
        studyInstanceUid: studyUid,
      },
      seriesUid,
      seriesDescription: s.MainDicomTags.SeriesDescription,
      reason: a.error ?? 'not analysed',
      algorithm: { name: 'mic-analysis', version: a.analysisVersion },
      sopInstanceUid: uid('sop'),
      seriesInstanceUid: uid('series'),
    });
    await this.put(bytes);
    return sopInstanceUid;
  }

  private async put(bytes: Uint8Array): Promise<void> {
    const init = { method: 'POST', headers: { 'content-type': 'application/dicom' }, body: bytes };
    await orthancRequest(this.config, '/instances', init, 60_000);
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
    const changeSincePrior = a.changeSincePrior ?? undefined;
    const out = derivedObjects(source, labels, { report, dims: lungs.dims, changeSincePrior }, uids);
    for (const bytes of [out.seg, out.sr]) await this.put(bytes);
    return uids;
  }

  /** The series as it is in the hospital's Orthanc, assembled as the worker assembles its de-identified copy. */
  private async original(series: string) {
    const s = (await orthancJson(this.config, `/series/${series}`)) as {
      Instances: string[];
      MainDicomTags: { SeriesInstanceUID?: string };
    };
    const inputs = await inLanes(s.Instances, LANES, async (id) => {
      const res = await orthancRequest(this.config, `/instances/${id}/file`, {}, 60_000);
      return { name: id, bytes: new Uint8Array(await res.arrayBuffer()) };
    });
    return assembleOne(inputs, s.MainDicomTags.SeriesInstanceUID ?? '', { decode: geometryOnly });
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
    const res = await this.fetch(url, {
      headers: { authorization: `Bearer ${await this.token()}` },
      signal: AbortSignal.timeout(120_000),
    }).catch(unreachable('platform API', url));
    if (res.status !== 200 && res.status !== 404) {
      const why = ((await res.json().catch(() => ({}))) as { error?: string }).error;
      throw new Error(`platform API ${path}: HTTP ${res.status}${why ? `: ${why}` : ''}`);
    }
    return res;
  }
}
