/** The composition root that hands argv and the process streams to the runner; started by src/cli.cts. */
import { cmdlets } from '../../cmdlets/index.js';
import { runCli } from './run.js';

process.exitCode = await runCli(process.argv.slice(2), cmdlets, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
