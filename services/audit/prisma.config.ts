import { defineConfig } from "prisma/config";

/**
 * The Prisma CLI's configuration (Prisma 7 takes the connection URL from here, not from
 * schema.prisma). With Prisma's native schema engine installed, `prisma migrate deploy` and
 * `prisma migrate status`, run in this directory, apply and report these migrations against
 * DATABASE_URL; without it, infra/db does the same with the wasm engine (docs/adr/0001).
 * `process.env`, not `env()`: env() throws when the variable is unset, and `prisma generate`
 * needs no database.
 */
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL },
});
