/** New workspaces start on a BASIC trial with a small seat count (SPEC section 5). */
export const TRIAL = { plan: "BASIC", status: "TRIALING", seats: 3, days: 14 } as const;

export function trialEnd(startedAt: Date): Date {
  return new Date(startedAt.getTime() + TRIAL.days * 86_400_000);
}
