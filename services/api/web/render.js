// Pure rendering of API answers to HTML strings. Every value from the API is escaped: descriptions come from
// hospitals' PACS and must never become markup.

export function escapeHtml(v) {
  return String(v ?? '').replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );
}

export const fixed = (v, digits, unit = '') =>
  typeof v === 'number' && Number.isFinite(v) ? `${v.toFixed(digits)}${unit}` : '–';
/** A change with its sign: +1.5, -0.3; '–' when not a number. */
export const signed = (v, digits, unit = '') =>
  typeof v === 'number' && Number.isFinite(v) ? `${v > 0 ? '+' : ''}${v.toFixed(digits)}${unit}` : '–';

const CATEGORY_LABEL = {
  typical: 'Typical appearance',
  indeterminate: 'Indeterminate appearance',
  atypical: 'Atypical appearance',
  negative: 'Negative for pneumonia',
};

export function categoryBadge(category) {
  if (!category) return '<span class="badge none">no result</span>';
  const label = CATEGORY_LABEL[category] ?? category;
  return `<span class="badge ${escapeHtml(category)}">${escapeHtml(label)}</span>`;
}

const TREND_LABEL = {
  progression: 'Progression',
  regression: 'Regression',
  stable: 'Stable',
  mixed: 'Mixed',
  'not comparable': 'Not comparable',
};

export function trendBadge(trend) {
  const cls = String(trend).replace(/\W+/g, '-');
  return `<span class="trend ${escapeHtml(cls)}">${escapeHtml(TREND_LABEL[trend] ?? trend)}</span>`;
}

/** Involvement thresholds the list offers (% of the lungs, at least). */
export const INVOLVEMENT_STEPS = [1, 5, 10, 25, 50];

/** The list's category and involvement filters and pager; links keep the filters. */
export function listControls({ category, minInvolvement = '', page, pageSize, total }) {
  const options = ['', ...Object.keys(CATEGORY_LABEL)]
    .map(
      (c) =>
        `<option value="${c}"${c === category ? ' selected' : ''}>${c ? CATEGORY_LABEL[c] : 'All categories'}</option>`,
    )
    .join('');
  const steps = ['', ...INVOLVEMENT_STEPS.map(String)]
    .map(
      (v) =>
        `<option value="${v}"${v === String(minInvolvement) ? ' selected' : ''}>${v ? `${v} % or more` : 'any'}</option>`,
    )
    .join('');
  const link = (p) => {
    const q = new URLSearchParams({ page: String(p) });
    if (category) q.set('category', category);
    if (minInvolvement !== '') q.set('minInvolvement', String(minInvolvement));
    return `#/?${q}`;
  };
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  const prev = page > 1 ? `<a href="${escapeHtml(link(page - 1))}">‹ previous</a>` : '';
  const next = last < total ? `<a href="${escapeHtml(link(page + 1))}">next ›</a>` : '';
  return (
    `<p class="controls"><label>RSNA category <select id="category">${options}</select></label> ` +
    `<label>involvement <select id="involvement">${steps}</select></label> ` +
    `<span>${first}–${last} of ${escapeHtml(total)}</span> ${prev} ${next}</p>`
  );
}

/** A list row's change since the patient's study before: trend and points, with the interval when known. */
function sincePrior(c) {
  if (!c) return '';
  const points = typeof c.involvementChange === 'number' ? ` ${signed(c.involvementChange, 1)}` : '';
  const days = typeof c.intervalDays === 'number' ? ` in ${escapeHtml(c.intervalDays)} d` : '';
  return `${trendBadge(c.trend)}<small>${points}${days}</small>`;
}

/** The study list as table rows; each row links to the study's page. */
export function studyRows(studies) {
  if (!studies.length) return '<tr><td colspan="8" class="empty">No studies you may read yet.</td></tr>';
  return studies
    .map((s) => {
      const h = s.analysis?.headline;
      const status = s.analysis ? s.analysis.status : 'not analysed';
      return (
        `<tr data-study="${escapeHtml(s.id)}">` +
        `<td><a href="#/studies/${encodeURIComponent(s.id)}">${escapeHtml(s.id)}</a></td>` +
        `<td>${escapeHtml(s.society)}</td>` +
        `<td>${escapeHtml(s.patient)}</td>` +
        `<td>${escapeHtml(s.studyDate ?? '')}</td>` +
        `<td>${escapeHtml(status)}</td>` +
        `<td>${categoryBadge(h?.category)}</td>` +
        `<td class="num">${fixed(h?.involvementPercent, 1, ' %')}</td>` +
        `<td>${sincePrior(s.sincePrior)}</td>` +
        '</tr>'
      );
    })
    .join('');
}

/** Findings by RSNA category; groups too small to show (small-cell suppression) say so instead of a number. */
export function statsTable(stats) {
  const rows = stats.groups
    .map((g) => {
      const label = categoryBadge(g.key.category);
      if (g.suppressed)
        return `<tr><td>${label}</td><td class="num" colspan="3">fewer than ${escapeHtml(stats.minCellSize)} patients, or hidden with one that is</td></tr>`;
      return (
        `<tr><td>${label}</td><td class="num">${escapeHtml(g.patients)}</td>` +
        `<td class="num">${fixed(g.involvementMedian, 1, ' %')}</td>` +
        `<td class="num">${fixed(g.ggoMlMean, 0, ' mL')} / ${fixed(g.consolidationMlMean, 0, ' mL')}</td></tr>`
      );
    })
    .join('');
  const total = stats.total ? `${escapeHtml(stats.total.patients)} patients` : 'too few patients to show';
  return (
    `<h3>Findings by category <small>${total}</small></h3>` +
    '<table class="stats"><thead><tr><th>RSNA category</th><th>Patients</th><th>Median involvement</th>' +
    `<th>Mean GGO / consolidation</th></tr></thead><tbody>${rows}</tbody></table>`
  );
}

const secs = (v) => (typeof v === 'number' && Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : v.toFixed(0)} s` : '–');

/** The study's way through the platform: per analysis the time from arrival to result, then every event. */
export function timelineView(t) {
  const durations = t.durations
    .map(
      (d) =>
        `<li>Analysis ${escapeHtml(d.analysisId)}: arrival to result <strong>${secs(d.arrivalToResultS)}</strong> ` +
        `(study complete ${secs(d.waitForCompleteS)}, queue ${secs(d.queuedS)}, analysis ${secs(d.analysisS)}, ` +
        `write-back ${secs(d.writeBackS)})</li>`,
    )
    .join('');
  const events = t.events
    .map(
      (e) =>
        `<tr><td>${escapeHtml(e.at.replace('T', ' ').replace('Z', ''))}</td><td>${escapeHtml(e.event)}</td>` +
        `<td>${escapeHtml(e.detail ?? '')}</td></tr>`,
    )
    .join('');
  return (
    `<section class="timeline"><h3>Timeline <small>UTC</small></h3><ul>${durations}</ul>` +
    `<details><summary>All events</summary><table class="stats"><tbody>${events}</tbody></table></details></section>`
  );
}

/** The key numbers of one analysis, as a radiologist reads them first. */
export function keyNumbers(h) {
  if (!h) return '<p class="empty">No report.</p>';
  const rows = [
    ['Involvement (both lungs)', fixed(h.involvementPercent, 1, ' %')],
    [
      'Involvement right / left',
      `${fixed(h.rightInvolvementPercent, 1, ' %')} / ${fixed(h.leftInvolvementPercent, 1, ' %')}`,
    ],
    ['Lung volume right / left', `${fixed(h.rightLungMl, 0, ' mL')} / ${fixed(h.leftLungMl, 0, ' mL')}`],
    ['Ground-glass opacity', fixed(h.ggoMl, 1, ' mL')],
    ['Consolidation', fixed(h.consolidationMl, 1, ' mL')],
    ['Severity score', h.severityTotal === null ? '–' : `${h.severityTotal} / ${h.severityMax ?? '?'}`],
    ['CT severity band', escapeHtml(h.ctBand ?? '–')],
  ];
  return `<table class="numbers">${rows.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>`;
}

const LEVELS = ['upper', 'middle', 'lower'];

/**
 * The lung zones (thirds, apex to base, of each lung) as radiologists score them: share of the zone that is GGO or
 * consolidation and the 0-5 zone score, the patient's right lung in the first column; nothing for a report without
 * zones.
 */
export function zoneTable(report) {
  const zones = Array.isArray(report?.zones) ? report.zones : [];
  const zone = (name) => zones.find((z) => z?.name === name);
  if (!LEVELS.some((l) => zone(`right-${l}`) || zone(`left-${l}`))) return '';
  const cell = (z) =>
    z
      ? `<td class="num">${fixed(z.involvementPercent, 1, ' %')}<br><small>GGO ${fixed(z.ggoMl, 0, ' mL')} · cons. ${fixed(z.consolidationMl, 0, ' mL')}</small></td>` +
        `<td class="num score">${typeof z.score === 'number' ? `${z.score} / 5` : '–'}</td>`
      : '<td>–</td><td>–</td>';
  const rows = LEVELS.map(
    (l) =>
      `<tr><th>${l[0].toUpperCase()}${l.slice(1)} zone</th>${cell(zone(`right-${l}`))}${cell(zone(`left-${l}`))}</tr>`,
  ).join('');
  const total = report?.severity?.total;
  return (
    '<table class="zones"><caption>Involvement by zone (lung thirds) and zone score</caption>' +
    '<tr><th></th><th colspan="2">Right lung</th><th colspan="2">Left lung</th></tr>' +
    rows +
    (typeof total === 'number'
      ? `<tr><th>Total score</th><td colspan="4" class="num">${total} / ${escapeHtml(report.severity.max ?? '?')}</td></tr>`
      : '') +
    '</table>'
  );
}

/** One analysis: category with its reasons, numbers, warnings, pictures (filled in later) and downloads. */
export function analysisSection(a) {
  const h = a.headline;
  const reasons = (h?.reasons ?? []).map((r) => `<li>${escapeHtml(r)}</li>`).join('');
  const warnings = (a.report?.warnings ?? []).map((w) => `<li>${escapeHtml(w)}</li>`).join('');
  const pictures = a.artifacts
    .filter((f) => f.mediaType.startsWith('image/'))
    .map(
      (f) =>
        `<figure><img alt="${escapeHtml(f.name)}" data-src="${escapeHtml(f.href)}"><figcaption>${escapeHtml(f.name)}</figcaption></figure>`,
    )
    .join('');
  const files = a.artifacts
    .filter((f) => !f.mediaType.startsWith('image/'))
    .map(
      (f) =>
        `<li><a href="#" data-download="${escapeHtml(f.href)}" data-name="${escapeHtml(f.name)}">${escapeHtml(f.name)}</a></li>`,
    )
    .join('');
  const stack = a.artifacts.find((f) => f.name === 'slices.bin.gz');
  const slices = stack
    ? `<div class="slices" data-slices="${escapeHtml(stack.href)}"><button>Scroll through the slices</button></div>`
    : '';
  const versions = Object.entries(a.versions ?? {})
    .map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`)
    .join(', ');
  return (
    `<section class="analysis" data-analysis="${escapeHtml(a.id)}">` +
    `<h3>Analysis ${escapeHtml(a.id)} <small>${escapeHtml(a.status)}${a.finishedAt ? ` · ${escapeHtml(a.finishedAt)}` : ''}</small></h3>` +
    (a.error ? `<p class="error">${escapeHtml(a.error)}</p>` : '') +
    (h ? `<p>${categoryBadge(h.category)}</p>` : '') +
    (reasons ? `<ul class="reasons">${reasons}</ul>` : '') +
    keyNumbers(h) +
    zoneTable(a.report) +
    (warnings ? `<h4>Warnings</h4><ul class="warnings">${warnings}</ul>` : '') +
    slices +
    (pictures ? `<div class="pictures">${pictures}</div>` : '') +
    (files ? `<h4>Files</h4><ul class="files">${files}</ul>` : '') +
    (versions ? `<p class="versions">Engine: ${versions}</p>` : '') +
    '</section>'
  );
}

/** A study's page. */
export function studyView(study) {
  const series = study.series
    .map(
      (s) =>
        `<li>${escapeHtml(s.modality ?? '')} ${escapeHtml(s.description ?? '')} · ${escapeHtml(s.instanceCount)} images` +
        (s.orientation && s.orientation !== 'axial' ? ` · ${escapeHtml(s.orientation)}` : '') +
        (s.notAnalysedReason ? ` · <em>not analysed: ${escapeHtml(s.notAnalysedReason)}</em>` : '') +
        '</li>',
    )
    .join('');
  return (
    `<p><a href="#/">← all studies</a></p>` +
    `<h2>Study ${escapeHtml(study.id)} <small>society ${escapeHtml(study.society)} · patient ${escapeHtml(study.patient)}</small></h2>` +
    `<p class="uid">${escapeHtml(study.studyUid)}</p>` +
    `<ul class="series">${series}</ul>` +
    (study.analyses.length ? study.analyses.map(analysisSection).join('') : '<p class="empty">Not analysed yet.</p>')
  );
}

const bytes = (v) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let x = v;
  let u = 0;
  while (x >= 1000 && u < units.length - 1) [x, u] = [x / 1000, u + 1];
  return `${x < 10 && u ? x.toFixed(1) : x.toFixed(0)} ${units[u]}`;
};

/** Per society: what it contributed, what the platform did with it and how fast (the answer of /api/v1/usage). */
export function usageView(usage) {
  const statuses = ['queued', 'running', 'done', 'failed'];
  const rows = usage.societies
    .map(
      (s) =>
        `<tr><td>${escapeHtml(s.society)}</td><td class="num">${escapeHtml(s.patients)}</td>` +
        `<td class="num">${escapeHtml(s.studies)}</td><td class="num">${escapeHtml(s.instances)}</td>` +
        `<td class="num">${bytes(s.storedBytes)}</td><td class="num">${escapeHtml(s.quarantined)}</td>` +
        statuses.map((k) => `<td class="num">${escapeHtml(s.analyses[k] ?? 0)}</td>`).join('') +
        `<td class="num">${escapeHtml(s.recent.done)} / ${escapeHtml(s.recent.failed)}</td>` +
        `<td class="num">${secs(s.recent.turnaroundMedianS)} / ${secs(s.recent.turnaroundP90S)}</td>` +
        `<td>${escapeHtml((s.lastContribution ?? '–').replace('T', ' ').replace(/\.\d+Z$/, ''))}</td></tr>`,
    )
    .join('');
  return (
    `<p><a href="#/">← all studies</a></p><h2>Usage <small>last ${escapeHtml(usage.days)} days for the recent columns</small></h2>` +
    '<table class="stats"><thead><tr><th>Society</th><th>Patients</th><th>Studies</th><th>Images</th><th>Stored</th>' +
    '<th>Quarantined</th><th>Queued</th><th>Running</th><th>Done</th><th>Failed</th><th>Recent done / failed</th>' +
    '<th>Turnaround median / p90</th><th>Last contribution (UTC)</th></tr></thead>' +
    `<tbody>${rows || '<tr><td colspan="13" class="empty">No society in your scope.</td></tr>'}</tbody></table>`
  );
}
