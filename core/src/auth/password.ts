import { hash, verify } from "@node-rs/argon2";

/**
 * Passwords (accounts and share links) are hashed with argon2id (@node-rs/argon2's default algorithm), which
 * is memory-hard: a guess costs PASSWORD_HASH_COST.memoryCost KiB of memory as well as time, so GPUs gain
 * little. The cost is OWASP's argon2id baseline; on the CI machine a login's p99 stays well under 300 ms
 * with it (bench/login.bench.ts; README "Accounts and share links"). The hash string records its own
 * parameters, so raising the cost later keeps older hashes verifiable.
 */
export const PASSWORD_HASH_COST = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, PASSWORD_HASH_COST);
}

let verifications = 0;
/** Password verifications this process ran (real and dummy): what makes an unknown email cost a wrong password's time. */
export function passwordVerificationCount(): number {
  return verifications;
}

/** False for a wrong password and for a hash that is not one (never throws on stored data). */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  verifications += 1;
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Verifies against a hash of a password nobody has, at the same cost: an unknown email then takes as long
 * to refuse as a wrong password, so the time does not tell which emails have accounts.
 */
export async function verifyDummyPassword(password: string): Promise<false> {
  dummy ??= hashPassword(`no account has this password ${Math.random()}`);
  await verifyPassword(await dummy, password);
  return false;
}
