#!/usr/bin/env node
// Thin launcher: the CLI is compiled by `npm ci` (prepare) or `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../cli/dist/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('mic: the CLI is not built yet; run `npm ci` (or `npm run build`) in the repository root\n');
  process.exit(1);
}
const { run } = await import(main);
process.exitCode = await run(process.argv);
