/** What Get-Command runs; cmdlets/Get-Command.ts, its spec, loads this when it runs. */
import { listCommands } from '../../src/cli/commands.js';
import type { CmdletRun } from '../../src/cli/types.js';
import { renderCommands } from '../../src/format/commands.js';
import { cmdlets } from '../index.js';

export const run: CmdletRun = async (args, io) => {
  const filter = { name: args.Name as string[] | undefined, verb: args.Verb as string[] | undefined, noun: args.Noun as string[] | undefined };
  io.out(renderCommands(listCommands(cmdlets, filter), io.outputFormat));
};
