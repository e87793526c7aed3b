-- AlterEnum: the preset roles of SPEC section 2 (seed 004)
ALTER TYPE "BuiltInRole" ADD VALUE 'SUPERVISOR';
ALTER TYPE "BuiltInRole" ADD VALUE 'AGENT';
ALTER TYPE "BuiltInRole" ADD VALUE 'SUPPORT';
