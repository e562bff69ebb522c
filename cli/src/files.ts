import { readdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Regular files under `dir` (sorted, hidden entries skipped), following symbolic links: a study folder is often a
 * tree of links into an archive. Each directory is read once, so a link loop ends; a dangling link is no file.
 */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (d: string) => {
    const real = realpathSync(d);
    if (seen.has(real)) return;
    seen.add(real);
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.')) continue;
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) visit(p);
      else if (st.isFile()) out.push(p);
    }
  };
  visit(dir);
  return out;
}
