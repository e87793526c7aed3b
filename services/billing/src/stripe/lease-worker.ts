// Shared with identity's mail sender since issue 22; kept here so billing's imports stay put.
export { LeaseWorker, backoffSeconds } from "@support/service-kit";
