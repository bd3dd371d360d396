#!/usr/bin/env node
/** The `ctrimg` executable: the composition root that hands argv and the process streams to the runner. */
import { cmdlets } from '../cmdlets/index.js';
import { runCli } from './cli/run.js';

process.exitCode = await runCli(process.argv.slice(2), cmdlets, {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
});
