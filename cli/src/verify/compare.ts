import type { CatalogObject } from '@mic/catalog';

/** An object as the store lists it. */
export interface Listed {
  key: string;
  size: number;
  lastModified: Date;
}

export interface StoreComparison {
  /** Catalogued and not in the store: data lost. */
  missing: string[];
  /** In the store with another size than the catalogue recorded. */
  sizeDiffers: { key: string; catalogued: number; stored: number }[];
  /** In the store under the platform's prefixes and in no catalogue row (a crash between store and record, or an
   * erasure cut short); the recent ones may be instances being ingested right now. */
  orphans: Listed[];
  recentOrphans: number;
}

/** The prefixes the platform writes under: de-identified instances and analysis files. */
export const OWN_PREFIXES = ['dicom/', 'results/'];

export function compareStore(
  catalogued: CatalogObject[],
  listed: Listed[],
  now = Date.now(),
  recentMs = 3_600_000,
): StoreComparison {
  const stored = new Map(listed.map((l) => [l.key, l]));
  const known = new Set(catalogued.map((c) => c.key));
  const missing: string[] = [];
  const sizeDiffers: StoreComparison['sizeDiffers'] = [];
  for (const c of catalogued) {
    const s = stored.get(c.key);
    if (!s) missing.push(c.key);
    else if (c.size !== null && c.size !== s.size) sizeDiffers.push({ key: c.key, catalogued: c.size, stored: s.size });
  }
  const orphans = listed.filter((l) => !known.has(l.key) && OWN_PREFIXES.some((p) => l.key.startsWith(p)));
  const recentOrphans = orphans.filter((o) => now - o.lastModified.getTime() < recentMs).length;
  return { missing, sizeDiffers, orphans, recentOrphans };
}
