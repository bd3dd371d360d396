/**
 * The one place the host's platform is read. `CTRIMG_HOST_PLATFORM` (`windows/amd64:10.0.17763.5830`)
 * replaces the host's facts, so that a choice made on one host can be reproduced on any other.
 * Otherwise they come from Node, and on Windows the update build revision (UBR, the `.5830`) from
 * the registry value moby and containerd read, through `reg.exe query`: it only shows in
 * messages, since matching uses major.minor.build.
 */
import { arch, endianness, release } from 'node:os';
import { runSync, type RunSync } from '../programs.js';
import { usage } from '../errors.js';
import { formatPlatform, hostPlatform, parsePlatform, type Platform } from '../image/platform.js';

export const HOST_PLATFORM_VARIABLE = 'CTRIMG_HOST_PLATFORM';

const CURRENT_VERSION = 'HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion';

export function readHostPlatform(env: NodeJS.ProcessEnv = process.env, run: RunSync = runSync): Platform {
  const given = env[HOST_PLATFORM_VARIABLE];
  if (given !== undefined && given !== '') return givenHost(given);
  const armVersion = (process.config.variables as Record<string, unknown>).arm_version;
  return hostPlatform({
    platform: process.platform,
    arch: arch(),
    release: release(),
    ubr: process.platform === 'win32' ? readUbr(run) : undefined,
    endianness: endianness(),
    ...(armVersion !== undefined && { armVersion: String(armVersion) }),
  });
}

/** A host as the variable gives it: a platform without os.features, a Windows one with its build. */
function givenHost(value: string): Platform {
  const hint = 'set it to os/arch[/variant][:osversion] as a host has it, e.g. windows/amd64:10.0.17763.5830 or linux/amd64, or unset it';
  let p: Platform;
  try {
    p = parsePlatform(value);
  } catch (err) {
    throw usage(`${HOST_PLATFORM_VARIABLE} '${value}' is not a platform`, { hint, cause: err });
  }
  if (p.osFeatures) throw usage(`${HOST_PLATFORM_VARIABLE} '${value}' names os features, which a host's platform has none of`, { hint });
  if (p.os === 'windows' && (p.osVersion ?? '').split('.').length < 3) {
    throw usage(`${HOST_PLATFORM_VARIABLE} '${value}' is a Windows host without its build (10.0.<build>[.<revision>])`, { hint });
  }
  if (p.os !== 'windows' && p.osVersion) throw usage(`${HOST_PLATFORM_VARIABLE} '${formatPlatform(p)}' gives an os version, which only a Windows host has`, { hint });
  return p;
}

/**
 * The UBR as `reg.exe query <CurrentVersion> /v UBR` prints it (`    UBR    REG_DWORD    0x16c6`);
 * undefined when reg.exe fails, cannot be run, or prints no such value (messages then show the
 * build alone: a made-up revision would read as a real one).
 */
export function readUbr(run: RunSync): number | undefined {
  try {
    const r = run('reg.exe', ['query', CURRENT_VERSION, '/v', 'UBR']);
    const m = r.status === 0 ? /^\s*UBR\s+REG_DWORD\s+0x([0-9a-f]{1,8})\s*$/im.exec(r.stdout) : null;
    return m ? parseInt(m[1]!, 16) : undefined;
  } catch {
    return undefined;
  }
}
