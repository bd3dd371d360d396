/**
 * Registry credentials from Docker's client config (`$DOCKER_CONFIG/config.json`, else
 * `~/.docker/config.json`), found the way the docker CLI finds them: `credHelpers[host]`, else
 * `credsStore`, both through `docker-credential-<name> get`; else the `auths` entry for the
 * host (base64 `auth`, `username`/`password`, `identitytoken`). A missing or unreadable config
 * means anonymous; a malformed one is an error naming the file, never showing its content.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { failed } from '../errors.js';
import type { RegistryCredentials } from './auth.js';

interface AuthEntry {
  auth?: unknown;
  username?: unknown;
  password?: unknown;
  identitytoken?: unknown;
}

interface DockerConfig {
  auths?: Record<string, AuthEntry>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

const HELPER_TIMEOUT_MS = 60_000;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The config file docker would read. */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** `https://host:5000/v1/` or `http://host` -> `host:5000` / `host`, as docker normalizes `auths` keys. */
export function hostOfKey(key: string): string {
  return key.replace(/^https?:\/\//i, '').split('/')[0]!.toLowerCase();
}

/**
 * Looks credentials up per registry host, reading the config file at most once and running a
 * helper at most once per host. Nothing is read until a host is asked for.
 */
export class DockerCredentials {
  private config?: Promise<DockerConfig | undefined>;
  private readonly byHost = new Map<string, Promise<RegistryCredentials | undefined>>();

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  /** Credentials for `host` (host[:port]), or undefined for anonymous access. */
  readonly lookup = (host: string): Promise<RegistryCredentials | undefined> => {
    const key = host.toLowerCase();
    let found = this.byHost.get(key);
    if (!found) {
      found = this.resolve(key);
      this.byHost.set(key, found);
    }
    return found;
  };

  private async resolve(host: string): Promise<RegistryCredentials | undefined> {
    const path = dockerConfigPath(this.env);
    const config = await (this.config ??= readConfig(path));
    if (!config) return undefined;
    const helper = config.credHelpers?.[host] ?? config.credsStore;
    if (helper) return runHelper(helper, host, path, this.env);
    const entry = Object.entries(config.auths ?? {}).find(([k]) => hostOfKey(k) === host)?.[1];
    return entry ? fromEntry(entry, host, path) : undefined;
  }
}

async function readConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  // JSON.parse's message quotes the text around the error, which may be a secret: not shown.
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw malformed(path, 'it is not valid JSON');
  }
  if (!isObject(parsed)) throw malformed(path, 'it is not a JSON object');
  const { auths, credHelpers, credsStore } = parsed;
  if (auths !== undefined && (!isObject(auths) || !Object.values(auths).every(isObject))) {
    throw malformed(path, "'auths' is not an object of objects");
  }
  if (credHelpers !== undefined && (!isObject(credHelpers) || !Object.values(credHelpers).every((v) => typeof v === 'string'))) {
    throw malformed(path, "'credHelpers' is not an object of helper names");
  }
  if (credsStore !== undefined && typeof credsStore !== 'string') throw malformed(path, "'credsStore' is not a helper name");
  const helpers: Record<string, string> = {};
  for (const [k, v] of Object.entries((credHelpers as Record<string, string> | undefined) ?? {})) helpers[hostOfKey(k)] = v;
  return { auths: auths as Record<string, AuthEntry> | undefined, credHelpers: helpers, credsStore: credsStore || undefined };
}

function fromEntry(entry: AuthEntry, host: string, path: string): RegistryCredentials | undefined {
  const { auth, username, password, identitytoken } = entry;
  for (const [name, v] of Object.entries({ auth, username, password, identitytoken })) {
    if (v !== undefined && typeof v !== 'string') throw malformed(path, `'${name}' of the entry for ${host} is not a string`);
  }
  if (typeof identitytoken === 'string' && identitytoken) return { identityToken: identitytoken };
  if (typeof auth === 'string' && auth) {
    const decoded = Buffer.from(auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw malformed(path, `'auth' of the entry for ${host} is not base64 of user:password`);
    return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  if (typeof username === 'string' && username) return { username, password: typeof password === 'string' ? password : '' };
  return undefined;
}

/** `docker-credential-<name> get` with the host on stdin; "credentials not found" is anonymous. */
function runHelper(name: string, host: string, path: string, env: NodeJS.ProcessEnv): Promise<RegistryCredentials | undefined> {
  if (!HELPER_NAME.test(name)) return Promise.reject(malformed(path, `'${name}' is not a credential helper name`));
  const program = `docker-credential-${name}`;
  return new Promise((resolve, reject) => {
    const child = execFile(program, ['get'], { env, timeout: HELPER_TIMEOUT_MS, maxBuffer: 1024 * 1024 }, (err, stdout, stderr) => {
      // The helper's output is never quoted in an error: it may hold the secret.
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (/credentials not found/i.test(`${stdout}\n${stderr}`)) resolve(undefined);
        else if (code === 'ENOENT') {
          reject(failed(`credential helper ${program}, named in ${path}, is not on PATH`, { code: 'CREDENTIALS_HELPER', hint: 'install it or change the Docker config' }));
        } else {
          const why = err.killed ? `did not answer within ${HELPER_TIMEOUT_MS / 1000}s` : `exited with ${String(code ?? err.signal)}`;
          reject(failed(`credential helper ${program} ${why} when asked for ${host}`, { code: 'CREDENTIALS_HELPER' }));
        }
        return;
      }
      let out: unknown;
      try {
        out = JSON.parse(stdout);
      } catch {
        out = undefined;
      }
      if (!isObject(out) || typeof out.Username !== 'string' || typeof out.Secret !== 'string') {
        reject(failed(`credential helper ${program} gave an unreadable answer for ${host}`, { code: 'CREDENTIALS_HELPER' }));
        return;
      }
      if (!out.Secret && !out.Username) resolve(undefined);
      else if (out.Username === '<token>') resolve(out.Secret ? { identityToken: out.Secret } : undefined);
      else resolve({ username: out.Username, password: out.Secret });
    });
    child.stdin?.on('error', () => {}); // a helper that exits without reading stdin
    child.stdin?.end(host);
  });
}

function malformed(path: string, why: string) {
  return failed(`cannot use the Docker config ${path}: ${why}`, { code: 'CREDENTIALS_CONFIG', hint: 'fix or remove the file' });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
