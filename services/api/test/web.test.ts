import { describe, expect, it } from '@jest/globals';
// The viewer's modules are plain browser JavaScript; these run them under Node's Web Crypto.
import { sliceStack, type AnalysisResult } from '@mic/analysis';
import { authorizeUrl, base64url, challengeS256, codeGrant, randomString } from '../web/pkce.js';
import { courseView } from '../web/course.js';
import { gunzip, mountSlices, parseSliceStack, sliceRgba, view } from '../web/slices.js';
import {
  analysisSection,
  escapeHtml,
  listControls,
  statsTable,
  studyRows,
  studyView,
  timelineView,
  trendBadge,
  usageView,
  zoneTable,
} from '../web/render.js';

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    expect(await challengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes URL-safe random strings and the authorization request', () => {
    expect(base64url(new Uint8Array([251, 255, 254]))).toBe('-__-');
    const a = randomString();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(randomString()).not.toBe(a);
    const url = new URL(
      authorizeUrl(
        {
          authorizationEndpoint: 'http://kc/realms/mic/protocol/openid-connect/auth',
          clientId: 'mic-web',
          scope: 'openid',
        },
        { redirectUri: 'http://127.0.0.1:18300/', state: 's', nonce: 'n', challenge: 'c' },
      ),
    );
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'mic-web',
      redirect_uri: 'http://127.0.0.1:18300/',
      scope: 'openid',
      state: 's',
      nonce: 'n',
      code_challenge: 'c',
      code_challenge_method: 'S256',
    });
    expect(
      codeGrant({ clientId: 'mic-web' }, { code: 'k', redirectUri: 'r', verifier: 'v' }).get('code_verifier'),
    ).toBe('v');
  });
});

describe('rendering', () => {
  const evil = '<img src=x onerror="alert(1)">';
  const analysis = {
    id: 7,
    status: 'done',
    finishedAt: '2026-12-07T08:00:00.000Z',
    error: null,
    versions: { analysis: '1.0.0' },
    report: { warnings: [evil] },
    headline: {
      category: 'typical',
      involvementPercent: 8.08,
      rightInvolvementPercent: 7.5,
      leftInvolvementPercent: 8.7,
      rightLungMl: 2363,
      leftLungMl: 2045,
      ggoMl: 312.4,
      consolidationMl: 43.9,
      severityTotal: 11,
      severityMax: 30,
      ctBand: 'CT-1',
      reasons: ['bilateral (right 7.5 %, left 8.7 %)'],
    },
    artifacts: [
      { name: 'axial.png', mediaType: 'image/png', href: '/api/v1/analyses/7/files/axial.png' },
      { name: 'seg.dcm', mediaType: 'application/dicom', href: '/api/v1/analyses/7/files/seg.dcm' },
    ],
  };

  it('shows statistics, and says so where a group is hidden', () => {
    const html = statsTable({
      minCellSize: 5,
      total: { patients: 14 },
      groups: [
        {
          key: { category: 'typical' },
          suppressed: false,
          patients: 7,
          involvementMedian: 8.08,
          ggoMlMean: 312,
          consolidationMlMean: 44,
        },
        { key: { category: evil }, suppressed: true, reason: 'small' },
      ],
    });
    expect(html).toContain('14 patients');
    expect(html).toContain('<td class="num">7</td><td class="num">8.1 %</td>');
    expect(html).toContain('fewer than 5 patients');
    expect(html).not.toContain('<img');
    expect(statsTable({ minCellSize: 5, total: null, groups: [] })).toContain('too few patients to show');
  });

  it('shows the time from arrival to result and every event, escaped', () => {
    const html = timelineView({
      events: [{ at: '2026-12-07T13:39:49.720Z', event: 'analysis failed', detail: evil }],
      durations: [
        {
          analysisId: 1,
          waitForCompleteS: 5.138,
          queuedS: 0.003,
          analysisS: 21.4,
          writeBackS: null,
          arrivalToResultS: 26.6,
        },
      ],
    });
    expect(html).toContain('arrival to result <strong>27 s</strong>');
    expect(html).toContain('analysis 21 s, write-back –');
    expect(html).toContain('2026-12-07 13:39:49.720');
    expect(html).not.toContain('<img');
  });

  it('pages the list and keeps the category filter in its links', () => {
    const html = listControls({ category: 'typical', page: 2, pageSize: 50, total: 120 });
    expect(html).toContain('51–100 of 120');
    expect(html).toContain('href="#/?page=1&amp;category=typical">‹ previous');
    expect(html).toContain('href="#/?page=3&amp;category=typical">next ›');
    expect(html).toContain('<option value="typical" selected>');
    const last = listControls({ category: '', page: 3, pageSize: 50, total: 120 });
    expect(last).toContain('101–120 of 120');
    expect(last).not.toContain('next');
    expect(listControls({ category: '', page: 1, pageSize: 50, total: 0 })).toContain('0–0 of 0');
    // the involvement filter is kept in the links as well, and shown chosen
    const severe = listControls({ category: '', minInvolvement: '25', page: 1, pageSize: 50, total: 60 });
    expect(severe).toContain('href="#/?page=2&amp;minInvolvement=25">next ›');
    expect(severe).toContain('<option value="25" selected>25 % or more</option>');
    expect(listControls({ category: '', page: 1, pageSize: 50, total: 0 })).toContain('<option value="" selected>any');
  });

  it('escapes every value from the API', () => {
    expect(escapeHtml(`a&<>"'`)).toBe('a&amp;&lt;&gt;&quot;&#39;');
    const html = studyView({
      id: 3,
      society: 'A',
      patient: evil,
      studyUid: '1.2.3',
      series: [
        { modality: 'CT', description: evil, instanceCount: 255, notAnalysedReason: null, orientation: 'axial' },
        {
          modality: 'CT',
          description: 'COR 3mm',
          instanceCount: 120,
          notAnalysedReason: "coronal reformat: the study's axial series is analysed",
          orientation: 'coronal',
        },
      ],
      analyses: [analysis],
    });
    expect(html).toContain('120 images · coronal · <em>not analysed: coronal reformat');
    expect(html).not.toContain('255 images · axial');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('shows the category, reasons, numbers, pictures and files of an analysis', () => {
    const html = analysisSection(analysis);
    expect(html).toContain('Typical appearance');
    expect(html).toContain('bilateral (right 7.5 %, left 8.7 %)');
    expect(html).toContain('8.1 %');
    expect(html).toContain('11 / 30');
    expect(html).toContain('data-src="/api/v1/analyses/7/files/axial.png"');
    expect(html).toContain('data-download="/api/v1/analyses/7/files/seg.dcm"');
  });

  it('shows each zone of each lung with its involvement and score, right lung first', () => {
    const zone = (name: string, percent: number, score: number) => ({
      name,
      involvementPercent: percent,
      ggoMl: 10 * percent,
      consolidationMl: percent,
      score,
    });
    const report = {
      zones: [
        zone('left-lower', 30.2, 3),
        zone('right-upper', 9.5, 2),
        zone('right-middle', 0, 0),
        zone('right-lower', 51, 4),
        zone('left-upper', 12.6, 2),
        { name: 'left-middle', involvementPercent: 'n/a', score: null },
      ],
      severity: { total: 11, max: 30 },
    };
    const html = zoneTable(report);
    const rows = html.split('<tr>').slice(1);
    expect(rows[0]).toContain('Right lung</th><th colspan="2">Left lung');
    expect(rows[1]).toMatch(/Upper zone.*9\.5 %.*2 \/ 5.*12\.6 %.*2 \/ 5/);
    expect(rows[2]).toMatch(/Middle zone.*0\.0 %.*0 \/ 5.*–.*–/);
    expect(rows[3]).toMatch(/Lower zone.*51\.0 %.*GGO 510 mL · cons\. 51 mL.*4 \/ 5.*30\.2 %.*3 \/ 5/);
    expect(rows[4]).toContain('11 / 30');
    expect(zoneTable({})).toBe('');
    expect(zoneTable(null)).toBe('');
    expect(analysisSection({ ...analysis, report: { ...analysis.report, ...report } })).toContain(
      'table class="zones"',
    );
  });

  it('lists studies, and says so when there are none', () => {
    expect(studyRows([])).toContain('No studies');
    const rows = studyRows([
      {
        id: 1,
        society: 'A',
        patient: 'P1',
        studyDate: '20200101',
        analysis: { status: 'done', headline: analysis.headline },
        sincePrior: { priorStudy: 9, intervalDays: 14, trend: 'progression', involvementChange: 4.25 },
      },
      { id: 2, society: 'A', patient: 'P2', studyDate: null, analysis: null, sincePrior: null },
    ]);
    expect(rows).toContain('href="#/studies/1"');
    expect(rows).toContain('8.1 %');
    expect(rows).toContain('not analysed');
    const [first, second] = rows.split('</tr>');
    expect(first).toContain('<span class="trend progression">Progression</span><small> +4.3 in 14 d</small>');
    expect(second).not.toContain('class="trend');
  });
});

describe('slice stack', () => {
  // 4 x 3 pixels, 2 slices stored inferior first; the right lung fills slice 1 (superior) but its last column, with a
  // GGO pixel and a consolidation pixel in it
  const geometry = { dims: [4, 3, 2] as [number, number, number], spacing: [1, 1, 2] as [number, number, number] };
  const volume = <T extends Uint8Array | Int16Array>(data: T) => ({
    data,
    ...geometry,
    origin: [0, 0, 0] as [number, number, number],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] as [number, number, number, number, number, number, number, number, number],
  });
  const lungs = new Uint8Array(24);
  const lesions = new Uint8Array(24);
  for (const p of [12, 13, 14, 16, 17, 18, 20, 21, 22]) lungs[p] = 1;
  lesions[17] = 1;
  lesions[18] = 2;
  const hu = new Int16Array(24).fill(-1350);
  hu[17] = -600;
  hu[18] = 40;
  const result = { lungs: volume(lungs), lesions: volume(lesions), report: {} } as unknown as AnalysisResult;

  it('reads what the worker writes: superior slice first, grey in the lung window, lung and lesion per pixel', async () => {
    const stack = parseSliceStack(await gunzip(sliceStack(result, hu)));
    expect(stack.header).toMatchObject({ width: 4, height: 3, slices: 2, pixelMm: [1, 1], sliceMm: 2 });
    expect(Array.from(stack.labels.subarray(0, 12))).toEqual([1, 1, 1, 0, 1, 5, 9, 0, 1, 1, 1, 0]);
    expect(Array.from(stack.labels.subarray(12))).toEqual(new Array(12).fill(0));
    expect(stack.grey[5]).toBe(128); // -600 HU is the window's centre
    expect(stack.grey[0]).toBe(0);
    // the mediastinal window: 40 HU is its centre, -600 HU below it; in the lung window 40 HU is near white
    expect(
      stack.greys.map((g: { name: string; center: number; width: number }) => [g.name, g.center, g.width]),
    ).toEqual([
      ['lung', -600, 1500],
      ['mediastinum', 40, 400],
    ]);
    expect([stack.greys[1].plane[6], stack.greys[1].plane[5], stack.grey[6]]).toEqual([128, 0, 236]);
    expect(Array.from(sliceRgba(stack, 0, false, 'axial', 1).subarray(24, 27))).toEqual([128, 128, 128]);
    const rgba = sliceRgba(stack, 0);
    const px = (q: number) => Array.from(rgba.subarray(4 * q, 4 * q + 3));
    expect(px(2)).toEqual([80, 170, 255]); // right lung outline next to a pixel outside it
    expect(px(0)).toEqual([0, 0, 0]); // the image's border is no outline
    expect(px(5)).toEqual([0.45 * 128 + 0.55 * 255, 0.45 * 128 + 0.55 * 220, 0.55 * 0 + 0.45 * 128].map(Math.round));
    expect(px(3)).toEqual([0, 0, 0]);
    expect(px(6)).toEqual([80, 170, 255]); // consolidation at the lung's edge: the outline wins
    expect(Array.from(sliceRgba(stack, 0, false).subarray(20, 23))).toEqual([128, 128, 128]);
    // the coronal section through row 1: 4 x 2, the superior slice on top; the GGO pixel lies on the lung's lower
    // edge there (the slice below holds no lung), so it is outlined
    const coronal = view(stack, 'coronal', 1);
    expect([coronal.width, coronal.height, coronal.count]).toEqual([4, 2, 3]);
    const c = sliceRgba(stack, 1, true, 'coronal');
    expect(c.length).toBe(4 * 2 * 4);
    expect(Array.from(c.subarray(4, 7))).toEqual([80, 170, 255]);
    expect(Array.from(sliceRgba(stack, 1, false, 'coronal').subarray(4, 7))).toEqual([128, 128, 128]);
    expect(Array.from(c.subarray(16, 19))).toEqual([0, 0, 0]); // the inferior slice: no lung
  });

  it('mounts a control whose window menu and W key switch the grey plane', async () => {
    const stack = parseSliceStack(await gunzip(sliceStack(result, hu)));
    // just enough of a DOM: elements by the selectors the control asks for, a canvas that keeps what it is given
    const listeners: Record<string, Record<string, (e: unknown) => void>> = {};
    const element = (name: string, value = '') => ({
      value,
      checked: true,
      max: '',
      style: {} as Record<string, string>,
      textContent: '',
      addEventListener: (type: string, fn: (e: unknown) => void) => ((listeners[name] ??= {})[type] = fn),
    });
    const drawn: Uint8ClampedArray[] = [];
    const canvas = {
      ...element('canvas'),
      width: 0,
      height: 0,
      getContext: () => ({ putImageData: (d: { data: Uint8ClampedArray }) => drawn.push(d.data) }),
    };
    const els: Record<string, unknown> = {
      canvas,
      'select.plane': element('plane', 'axial'),
      'select.window': element('window', '0'),
      'input[type=range]': element('range'),
      'input[type=checkbox]': element('overlay'),
      '.slice-pos': element('pos'),
    };
    const host = { innerHTML: '', querySelector: (q: string) => els[q] };
    const g = globalThis as { ImageData?: unknown };
    g.ImageData = class {
      constructor(readonly data: Uint8ClampedArray) {}
    };
    try {
      mountSlices(host, stack);
      for (const q of ['class="plane"', 'class="window"', 'lung W1500 L-600', 'mediastinum W400 L40'])
        expect(host.innerHTML).toContain(q);
      // the 40 HU pixel of the superior slice, the CT alone: 236 in the lung window, 128 in the mediastinal one
      const grey = () => drawn[drawn.length - 1][4 * 6];
      (els['input[type=range]'] as { value: string }).value = '1';
      listeners.range.input({});
      (els['input[type=checkbox]'] as { checked: boolean }).checked = false;
      listeners.overlay.change({});
      expect(grey()).toBe(236);
      listeners.canvas.keydown({ key: 'w', preventDefault: () => undefined });
      expect((els['select.window'] as { value: string }).value).toBe('1');
      expect(grey()).toBe(128);
      listeners.canvas.keydown({ key: 'W', preventDefault: () => undefined }); // round to the first again
      expect(grey()).toBe(236);
      (els['select.window'] as { value: string }).value = '1';
      listeners.window.change({});
      expect(grey()).toBe(128);
    } finally {
      delete g.ImageData;
    }
  });

  it('still reads the stacks of earlier analyses: one plane, the lung window', async () => {
    const raw = await gunzip(sliceStack(result, hu));
    const text = new TextDecoder().decode(raw.subarray(0, 2048)).split('\n');
    const { windows: _windows, ...header } = JSON.parse(text[1]);
    const head = new TextEncoder().encode(`MIC-SLICES 1\n${JSON.stringify(header)}\n`);
    const old = new Uint8Array(head.length + 48);
    old.set(head);
    old.set(raw.subarray(raw.length - 72, raw.length - 48), head.length); // the lung plane
    old.set(raw.subarray(raw.length - 24), head.length + 24); // the labels
    const stack = parseSliceStack(old);
    expect(stack.greys.map((g: { name: string }) => g.name)).toEqual(['lung']);
    expect(stack.grey[5]).toBe(128);
    expect(Array.from(stack.labels.subarray(0, 12))).toEqual([1, 1, 1, 0, 1, 5, 9, 0, 1, 1, 1, 0]);
    expect(() => parseSliceStack(old.subarray(0, old.length - 1))).toThrow(/truncated/);
  });

  it('refuses what is not a slice stack, or is cut short', async () => {
    expect(() => parseSliceStack(new TextEncoder().encode('P5\n4 3\n'))).toThrow(/not a mic slice stack/);
    const raw = await gunzip(sliceStack(result, hu));
    expect(() => parseSliceStack(raw.subarray(0, raw.length - 1))).toThrow(/truncated/);
  });
});

describe('usage page', () => {
  it("shows each society's contribution, analyses by status and turnaround, escaped", () => {
    const html = usageView({
      days: 30,
      societies: [
        {
          society: 'A<script>',
          patients: 3,
          studies: 4,
          instances: 1020,
          storedBytes: 532_000_000,
          quarantined: 1,
          lastContribution: '2026-12-07T15:59:38.123Z',
          analyses: { done: 3, failed: 1 },
          recent: { done: 3, failed: 1, turnaroundMedianS: 29.4, turnaroundP90S: 41 },
        },
      ],
    });
    expect(html).toContain('A&lt;script&gt;');
    expect(html).not.toContain('<script>');
    expect(html).toContain('532 MB');
    expect(html).toContain('29 s / 41 s');
    expect(html).toContain('2026-12-07 15:59:38');
    expect(html).toContain('<td class="num">0</td>'); // nothing queued
    expect(usageView({ days: 7, societies: [] })).toContain('No society in your scope');
  });
});

describe('course of a patient', () => {
  const evil = '<img src=x onerror="alert(1)">';
  const headline = (involvementPercent: number) => ({
    category: 'typical',
    involvementPercent,
    rightInvolvementPercent: involvementPercent - 1,
    leftInvolvementPercent: involvementPercent + 1,
    ggoMl: 300,
    consolidationMl: 40,
    ctBand: 'CT-1',
  });
  const change = (from: number, to: number, trend: string, prior: number, current: number, days: number | null) => ({
    fromStudy: from,
    toStudy: to,
    trend,
    intervalDays: days,
    involvementPercent: { prior, current, change: current - prior },
    reasons: [`involvement ${prior} % -> ${current} %`, evil],
    warnings: to === 3 ? ['read by different engine versions'] : [],
  });
  const course = {
    studyId: 2,
    patient: `P-${evil}`,
    truncated: false,
    studies: [
      { id: 1, studyDate: '20200310', analysis: { headline: headline(4) } },
      { id: 2, studyDate: '20200317', analysis: { headline: headline(15) } },
      { id: 3, studyDate: '20200331', analysis: { headline: headline(6) } },
      { id: 4, studyDate: null, analysis: null },
    ],
    changes: [change(1, 2, 'progression', 4, 15, 7), change(2, 3, 'regression', 15, 6, 14)],
    sincePrior: change(1, 2, 'progression', 4, 15, 7),
  };

  it('lists the studies with their change and trend, this one marked, everything escaped', () => {
    const html = courseView(course);
    expect(html).not.toContain('<img');
    expect(html).toContain('P-&lt;img');
    const rows = html.split('<tr').slice(2); // after the header row
    expect(rows).toHaveLength(4);
    expect(rows[0]).toContain('2020-03-10');
    expect(rows[0]).toContain('<a href="#/studies/1">');
    expect(rows[1]).toMatch(/^ class="current">/);
    expect(rows[1]).toContain('+11.0 pts in 7 d');
    expect(rows[1]).toContain('Progression');
    expect(rows[2]).toContain('-9.0 pts in 14 d');
    expect(rows[2]).toContain('Regression');
    expect(rows[3]).toContain('no date');
    expect(rows[3]).toContain('not analysed');
    // the reasons since the study before are this study's, not the next one's warnings
    expect(html).toContain('involvement 4 % -&gt; 15 %');
    expect(html).not.toContain('different engine versions');
  });

  it('plots involvement over the days between the studies, and shows nothing for a single study', () => {
    const svg = /<svg[^]*<\/svg>/.exec(courseView(course))?.[0] ?? '';
    const dots = [...svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)" r="([\d.]+)"/g)].map((m) =>
      m.slice(1).map(Number),
    );
    expect(dots).toHaveLength(3); // the unanalysed study has no point
    // x follows the days: 7 of 21 days between the first and second point
    expect((dots[1][0] - dots[0][0]) / (dots[2][0] - dots[0][0])).toBeCloseTo(7 / 21, 2);
    expect(dots[1][1]).toBeLessThan(dots[0][1]); // 15 % drawn higher than 4 %
    expect(dots[1][2]).toBeGreaterThan(dots[0][2]); // this study's point is larger
    expect(courseView({ ...course, studies: course.studies.slice(0, 1), changes: [], sincePrior: null })).toBe('');
    expect(courseView(null)).toBe('');
    expect(trendBadge('not comparable')).toBe('<span class="trend not-comparable">Not comparable</span>');
  });
});
