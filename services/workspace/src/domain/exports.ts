import { downloadToken, type DownloadClaims, type Signer } from "@support/service-kit";

/** SPEC section 7: at most one workspace-data export per 60 seconds per workspace. */
export const EXPORT_INTERVAL_SECONDS = 60;
export const EXPORT_LINK_TTL_SECONDS = 300;

/**
 * An export's answer: the link of its current version, `<gateway>/downloads/workspace/<token>`
 * (no header needed), and when the workspace may export again.
 */
export function exportAnswer(
  link: { signer: Signer; downloadBaseUrl: string },
  row: DownloadClaims,
  lastRequestedAt: Date,
) {
  return {
    exportId: row.id,
    url: `${link.downloadBaseUrl}/downloads/workspace/${downloadToken(link.signer, "workspace-data.zip", row)}`,
    expiresAt: row.expiresAt.toISOString(),
    nextAllowedAt: new Date(lastRequestedAt.getTime() + EXPORT_INTERVAL_SECONDS * 1000).toISOString(),
  };
}

/** A workspace name as a file name: letters, digits, dot, dash and underscore; the rest becomes "-". */
export function fileNameOf(name: string): string {
  const safe = name
    .normalize("NFKD")
    .replace(/[^\w.-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 80);
  return safe || "workspace";
}
