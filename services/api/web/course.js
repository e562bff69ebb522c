// The course of a patient on the study page: the patient's CTs oldest first, the change from each to the next, and
// a small plot of involvement over time. Pure: API answer in, escaped HTML out.
import { categoryBadge, escapeHtml, fixed, signed, trendBadge } from './render.js';

const date = (d) => (d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6)}` : 'no date');

/** Involvement (%) of the analysed studies against days from the first; the current study marked. */
export function coursePlot(course) {
  const points = [];
  let day0 = null;
  for (const s of course.studies) {
    const y = s.analysis?.headline?.involvementPercent;
    if (typeof y !== 'number' || !Number.isFinite(y)) continue;
    const t = /^\d{8}$/.test(s.studyDate ?? '')
      ? Date.UTC(+s.studyDate.slice(0, 4), +s.studyDate.slice(4, 6) - 1, +s.studyDate.slice(6)) / 86_400_000
      : null;
    if (day0 === null && t !== null) day0 = t;
    points.push({ id: s.id, x: t === null || day0 === null ? null : t - day0, y });
  }
  if (points.length < 2) return '';
  // undated studies follow at even steps: their order is known, their interval is not
  const span = Math.max(1, ...points.map((p) => p.x ?? 0));
  const xs = points.map((p, i) => (points.every((q) => q.x !== null) ? p.x / span : i / (points.length - 1)));
  const top = Math.max(10, ...points.map((p) => p.y));
  const [w, h, pad] = [320, 90, 14];
  const px = (i) => (pad + xs[i] * (w - 2 * pad)).toFixed(1);
  const py = (y) => (h - pad - (y / top) * (h - 2 * pad)).toFixed(1);
  const line = points.map((p, i) => `${px(i)},${py(p.y)}`).join(' ');
  const dots = points
    .map(
      (p, i) =>
        `<circle cx="${px(i)}" cy="${py(p.y)}" r="${p.id === course.studyId ? 4.5 : 3}"` +
        `${p.id === course.studyId ? ' class="current"' : ''}><title>${escapeHtml(fixed(p.y, 1, ' %'))}</title></circle>`,
    )
    .join('');
  return (
    `<svg class="course-plot" viewBox="0 0 ${w} ${h}" role="img" aria-label="Involvement over time">` +
    `<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}"/>` +
    `<text x="${pad}" y="${pad - 4}">${escapeHtml(fixed(top, 0, ' %'))} involved</text>` +
    (points.every((p) => p.x !== null)
      ? `<text x="${pad}" y="${h - 2}">day 0</text>` +
        `<text x="${w - pad}" y="${h - 2}" text-anchor="end">day ${escapeHtml(span)}</text>`
      : '') +
    `<polyline points="${line}"/>${dots}</svg>`
  );
}

/** The course section; nothing when the patient has only this study. */
export function courseView(course) {
  if (!course || course.studies.length < 2) return '';
  const byTo = new Map(course.changes.map((c) => [c.toStudy, c]));
  const rows = course.studies
    .map((s) => {
      const h = s.analysis?.headline;
      const c = byTo.get(s.id);
      const here = s.id === course.studyId;
      return (
        `<tr${here ? ' class="current"' : ''}><td>${escapeHtml(date(s.studyDate))}</td>` +
        `<td>${here ? `Study ${escapeHtml(s.id)} (this one)` : `<a href="#/studies/${escapeHtml(s.id)}">Study ${escapeHtml(s.id)}</a>`}</td>` +
        `<td class="num">${fixed(h?.involvementPercent, 1, ' %')}</td>` +
        `<td class="num">${fixed(h?.rightInvolvementPercent, 1)} / ${fixed(h?.leftInvolvementPercent, 1)}</td>` +
        `<td class="num">${fixed(h?.ggoMl, 0)} / ${fixed(h?.consolidationMl, 0)}</td>` +
        `<td>${escapeHtml(h?.ctBand ?? '–')}</td><td>${h ? categoryBadge(h.category) : 'not analysed'}</td>` +
        `<td class="num">${c ? `${signed(c.involvementPercent.change, 1, ' pts')}${c.intervalDays === null ? '' : ` in ${escapeHtml(c.intervalDays)} d`}` : ''}</td>` +
        `<td>${c ? trendBadge(c.trend) : ''}</td></tr>`
      );
    })
    .join('');
  const since = course.sincePrior;
  const detail = since
    ? `<p>Since the study before: ${trendBadge(since.trend)}</p>` +
      `<ul class="reasons">${since.reasons.map((r) => `<li>${escapeHtml(r)}</li>`).join('')}</ul>` +
      (since.warnings.length
        ? `<ul class="warnings">${since.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
        : '')
    : '';
  return (
    `<section class="course"><h3>Course of patient ${escapeHtml(course.patient)} <small>${escapeHtml(course.studies.length)} studies${course.truncated ? ', the oldest shown' : ''}</small></h3>` +
    detail +
    coursePlot(course) +
    '<table class="stats"><thead><tr><th>Date</th><th>Study</th><th>Involvement</th><th>Right / left %</th>' +
    '<th>GGO / cons. mL</th><th>Band</th><th>RSNA</th><th>Change</th><th>Trend</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>` +
    '<p class="note">Dates are shifted by one amount per patient, so intervals hold. A change counts from 2 points ' +
    'of involvement or 20 % of the larger reading, whichever is more.</p></section>'
  );
}
