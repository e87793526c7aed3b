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

/** Prisma's unique-constraint violation (P2002): here, an email that already has an account. */
export function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === "object" && error !== null && "code" in error && (error as { code: unknown }).code === "P2002"
  );
}
