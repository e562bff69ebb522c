export { startApi, type ApiService } from './main.js';
export { readScope, covers, societyFilter, type Scope } from './access.js';
export { headline, csvCell, csvLine, type Headline } from './report.js';
export { routes, match } from './routes.js';
export { suppress, type ShownGroup } from './stats.js';
export { RateLimiter } from './limit.js';
export { openapi } from './openapi.js';
export { viewerConfig, securityHeaders } from './web.js';
