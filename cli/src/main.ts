import { Command, CommanderError } from 'commander';
import { ConfigError } from '@mic/config';
import { CliError } from './errors.js';
import { registerStack } from './commands/stack.js';
import { registerServe } from './commands/serve.js';
import { registerDicom } from './commands/dicom.js';
import { registerAnalysis } from './commands/analysis.js';
import { registerPlatform } from './commands/platform.js';
import { registerDeid } from './commands/deid.js';
import { registerSlices } from './commands/slices.js';
import { registerDemo } from './commands/demo.js';
import { registerModels } from './commands/models.js';
import { registerPacs } from './commands/pacs.js';
import { registerEdge } from './commands/edge.js';
import { registerVerify } from './commands/verify.js';
import { registerCompare } from './commands/compare.js';

export function buildProgram(): Command {
  const program = new Command('mic')
    .description('mic, the Medical Imaging Cloud: chest CT de-identification, COVID-19 analysis and return to PACS')
    .option('--config <file>', 'JSON config file (environment variables MIC_* override it)')
    .showHelpAfterError()
    .exitOverride();
  for (const register of [
    registerStack,
    registerServe,
    registerDicom,
    registerDeid,
    registerAnalysis,
    registerCompare,
    registerSlices,
    registerPlatform,
    registerDemo,
    registerModels,
    registerPacs,
    registerEdge,
    registerVerify,
  ]) {
    register(program);
  }
  return program;
}

/** Runs the CLI and returns the exit code: one line on stderr for expected failures, never a stack trace. */
export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof CliError) {
      process.stderr.write(`mic: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      process.stderr.write(`mic: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`mic: ${message.split('\n')[0]}\n`);
    if (process.env.MIC_DEBUG) process.stderr.write(`${(err as Error).stack ?? ''}\n`);
    return 1;
  }
}
