/**
 * The composition root: hands argv, the cmdlets and the process streams to the runner. It lives
 * in cmdlets/, the top of the module map, because it is the one module that knows every cmdlet;
 * src/cli.cts starts it.
 */
import { cmdlets } from './index.js';
import { runCli } from '../src/cli/run.js';

process.exitCode = await runCli(process.argv.slice(2), cmdlets, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
