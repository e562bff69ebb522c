import { audit, societyUsage } from '@mic/catalog';
import { societyFilter } from './access.js';
import { intParam, sendJson } from './http.js';
import type { Route } from './call.js';

/** Per-society usage: what each society contributed, what was analysed, how fast. A member sees its own society. */
export const usageRoute: Route = {
  name: 'usage',
  path: '/api/v1/usage',
  async handle({ ctx, scope, url, res }) {
    const society = societyFilter(scope, url.searchParams.get('society'));
    const days = intParam(url, 'days', 30, 1, 3650);
    const societies = await societyUsage(ctx.pool, society, days);
    await audit(ctx.pool, { actor: `user:${scope.who}`, action: 'api.usage', detail: { society, days } });
    sendJson(res, 200, { days, societies });
  },
};
