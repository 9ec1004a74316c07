// HS256 tokens as an app's backend mints them (node:crypto only), for tests
// of flaglive-server's --jwt-secret-file sign-in.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token for `claims` (exp: one hour from now unless given), signed with `secret`. */
export function mintHs256(secret, claims) {
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600, ...claims })}`;
  return `${body}.${crypto.createHmac('sha256', secret).update(body).digest('base64url')}`;
}

/** A fresh 32-byte secret written to a file: { secret, args } for
 *  FlagServer.start, and remove() to delete the file afterwards. */
export async function jwtSecret() {
  const secret = crypto.randomBytes(32).toString('hex');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'flaglive-jwt-'));
  const file = path.join(dir, 'secret');
  await fs.writeFile(file, secret);
  return { secret, args: ['--jwt-secret-file', file], remove: () => fs.rm(dir, { recursive: true, force: true }) };
}
