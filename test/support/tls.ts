/**
 * A self-signed certificate for 127.0.0.1 made with `openssl`, for registries that speak TLS
 * on loopback. Clients trust it by taking `certificate` as their CA (NODE_EXTRA_CA_CERTS for
 * a child process).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface SelfSigned {
  certificate: string;
  key: string;
}

export async function selfSignedCert(dir: string): Promise<SelfSigned> {
  const certificate = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', certificate, '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ]);
  return { certificate, key };
}
