import { hash, verify } from "@node-rs/argon2";

/** argon2id with the library's defaults (OWASP's recommended memory-hard parameters). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// A real hash of a random string: verifying against it when the email is unknown keeps the
// response time of a failed log-in independent of whether the account exists.
const DECOY_HASH = hash(`decoy-${Math.random()}`);

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  const stored = passwordHash ?? (await DECOY_HASH);
  const matches = await verify(stored, password);
  return passwordHash !== null && matches;
}
