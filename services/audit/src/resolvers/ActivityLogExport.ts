import { downloadToken, type DownloadClaims } from "@support/service-kit";
import type { ActivityLogExportResolvers } from "../generated/graphql.js";

/** An export as its mutations answer it: its row (the link's claims) and when the next export may start. */
export interface IssuedExport {
  row: DownloadClaims;
  nextAllowedAt: Date;
}

export const ActivityLogExport: ActivityLogExportResolvers = {
  exportId: ({ row }) => row.id,
  /** The link of the export's current version: `<gateway's public origin>/downloads/audit/<token>`, no header needed. */
  url: ({ row }, _, ctx) =>
    `${ctx.downloadBaseUrl}/downloads/audit/${downloadToken(ctx.signer, "activity-log.csv", row)}`,
  expiresAt: ({ row }) => row.expiresAt,
  nextAllowedAt: ({ nextAllowedAt }) => nextAllowedAt,
};
