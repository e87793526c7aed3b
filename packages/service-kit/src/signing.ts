import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import canonicalize from "canonicalize";
import type { ActorContextKey } from "@support/actor-context";

/** What a key signs: each purpose gets its own derived key, so e.g. a download link can never pass for a checkpoint. */
export type SigningPurpose = "checkpoint" | "download";

/**
 * HMAC-SHA256 over canonical JSON, with the first configured key; verifies with any (docs/adr/0008,
 * 0009). `info` separates services sharing key material: the same key and purpose under another
 * `info` gives another derived key.
 */
export class Signer {
  constructor(
    private readonly keys: readonly ActorContextKey[],
    private readonly info = "support-audit",
  ) {
    if (keys.length === 0) throw new Error("at least one signing key is needed");
  }

  get currentKeyId(): string {
    return this.keys[0]!.kid;
  }

  sign(purpose: SigningPurpose, value: unknown, keyId = this.currentKeyId): string {
    const key = this.keys.find((k) => k.kid === keyId);
    if (!key) throw new Error(`unknown signing key ${keyId}`);
    const derived = Buffer.from(hkdfSync("sha256", key.secret, this.info, purpose, 32));
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
