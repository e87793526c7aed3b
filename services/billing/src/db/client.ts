import { PrismaPg } from "@prisma/adapter-pg";
import { TRANSACTION_OPTIONS } from "@support/service-kit";
import { PrismaClient, type Prisma } from "./generated/client.js";

export type Db = PrismaClient;
export type Tx = Prisma.TransactionClient;

export function createDb(databaseUrl: string): Db {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl }),
    transactionOptions: TRANSACTION_OPTIONS,
  });
}
