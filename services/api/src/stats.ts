import { audit, findingStats, STAT_DIMENSIONS, type StatDimension, type StatGroup } from '@mic/catalog';
import { societyFilter } from './access.js';
import { HttpError, percentParam, sendJson } from './http.js';
import type { Route } from './call.js';

export const CATEGORIES = ['typical', 'indeterminate', 'atypical', 'negative'];

/** The `category` query parameter: one of the RSNA categories, or null when absent. */
export function categoryParam(url: URL): string | null {
  const category = url.searchParams.get('category');
  if (category !== null && !CATEGORIES.includes(category))
    throw new HttpError(400, `category must be one of ${CATEGORIES.join(', ')}`);
  return category;
}

/** A group as answered: its numbers, or none of them when it is too small to show. */
export type ShownGroup =
  (StatGroup & { suppressed: false }) | { key: StatGroup['key']; suppressed: true; reason: 'small' | 'complementary' };

/**
 * Small-cell suppression. A group of fewer than `k` distinct patients shows no numbers (primary). When exactly one
 * group is hidden, the next smallest is hidden too (complementary), so the total minus the shown groups gives no
 * hidden group away. A total of fewer than `k` patients hides everything.
 */
export function suppress(
  groups: StatGroup[],
  total: StatGroup,
  k: number,
): { groups: ShownGroup[]; total: StatGroup | null } {
  if (total.patients < k)
    return { groups: groups.map((g) => ({ key: g.key, suppressed: true, reason: 'small' })), total: null };
  const hidden = new Map<StatGroup, 'small' | 'complementary'>();
  for (const g of groups) if (g.patients < k) hidden.set(g, 'small');
  if (hidden.size === 1) {
    const next = groups
      .filter((g) => !hidden.has(g))
      .sort((a, b) => a.patients - b.patients || a.analyses - b.analyses)[0];
    if (next) hidden.set(next, 'complementary');
  }
  return {
    groups: groups.map((g) => {
      const reason = hidden.get(g);
      return reason ? { key: g.key, suppressed: true, reason } : { ...g, suppressed: false };
    }),
    total,
  };
}

function dimensions(raw: string | null): StatDimension[] {
  if (!raw) return [];
  const by = raw.split(',').map((s) => s.trim());
  for (const d of by)
    if (!(STAT_DIMENSIONS as readonly string[]).includes(d))
      throw new HttpError(400, `by: "${d}" is not one of ${STAT_DIMENSIONS.join(', ')}`);
  if (new Set(by).size !== by.length) throw new HttpError(400, 'by: a dimension is named twice');
  return by as StatDimension[];
}

export const statsRoute: Route = {
  name: 'stats',
  path: '/api/v1/stats',
  async handle({ ctx, scope, url, res }) {
    const by = dimensions(url.searchParams.get('by'));
    const society = societyFilter(scope, url.searchParams.get('society'));
    const category = categoryParam(url);
    const minInvolvement = percentParam(url, 'minInvolvement');
    const maxInvolvement = percentParam(url, 'maxInvolvement');
    const { groups, total } = await findingStats(ctx.pool, { society, by, category, minInvolvement, maxInvolvement });
    const k = ctx.config.api.minCellSize;
    const shown = suppress(groups, total, k);
    const filters = { society, category, minInvolvement, maxInvolvement };
    await audit(ctx.pool, {
      actor: `user:${scope.who}`,
      action: 'api.stats',
      detail: { by, ...filters, groups: groups.length, hidden: shown.groups.filter((g) => g.suppressed).length },
    });
    sendJson(res, 200, {
      unit: 'the newest finished analysis of each series',
      minCellSize: k,
      by,
      filters,
      total: shown.total,
      groups: shown.groups,
    });
  },
};
