import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import canonicalize from "canonicalize";
import type { ActorContextKey } from "@support/actor-context";

/** What a key signs: each purpose gets its own derived key, so a download link can never pass for a checkpoint. */
export type SigningPurpose = "checkpoint" | "download";

/** Signs with the first configured key and verifies with any (docs/adr/0008). */
export class Signer {
  constructor(private readonly keys: readonly ActorContextKey[]) {
    if (keys.length === 0) throw new Error("at least one signing key is needed");
  }

  get currentKeyId(): string {
    return this.keys[0]!.kid;
  }

  sign(purpose: SigningPurpose, value: unknown, keyId = this.currentKeyId): string {
    const key = this.keys.find((k) => k.kid === keyId);
    if (!key) throw new Error(`unknown signing key ${keyId}`);
    const derived = Buffer.from(hkdfSync("sha256", key.secret, "support-audit", purpose, 32));
    return createHmac("sha256", derived)
      .update(canonicalize(value) ?? "")
      .digest("hex");
  }

  /** False for an unknown key id or a wrong signature; compared in constant time. */
  verify(purpose: SigningPurpose, value: unknown, keyId: string, signature: string): boolean {
    if (!this.keys.some((k) => k.kid === keyId) || !/^[0-9a-f]{64}$/.test(signature)) return false;
    return timingSafeEqual(Buffer.from(this.sign(purpose, value, keyId), "hex"), Buffer.from(signature, "hex"));
  }
}
