import { PrismaPg } from "@prisma/adapter-pg";
import { countingPool, TRANSACTION_OPTIONS } from "@support/service-kit";
import { PrismaClient, type Prisma } from "./generated/client.js";

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

/** Statements are counted per request (logged only with LOG_SQL_STATEMENTS; see service-kit). */
export function createDb(databaseUrl: string): Db {
  return new PrismaClient({
    adapter: new PrismaPg(countingPool(databaseUrl)),
    transactionOptions: TRANSACTION_OPTIONS,
  });
}

/**
 * Runs `work`; a unique violation (a concurrent write of the same name got there first) answers
 * `duplicate()` instead.
 */
export async function unlessDuplicate<T>(work: () => Promise<T>, duplicate: () => Error): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUniqueViolation(error)) throw duplicate();
    throw error;
  }
}

/** Postgres unique violation through Prisma. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002"
  );
}
