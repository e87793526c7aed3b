/** activityStats' answer: counts per actor and category over [from, to). */
export interface ActivityStats {
  from: Date;
  to: Date;
  categories: string[];
  /** Every actor of the range, in the chart's order; `ActivityStats.members` pages them. */
  members: Member[];
}

/** One bar of the chart; `key` (actor type and id) orders actors with the same total. */
export interface Member {
  actor: { type: string; id: string | null; label: string | null };
  key: string;
  total: number;
  byCategory: Array<{ category: string; count: number }>;
}

/** A member's place in the chart's order: its total, then its actor's type and id. */
export interface MemberKey {
  total: number;
  actor: string;
}

export const memberKeyOf = (member: Member): MemberKey => ({ total: member.total, actor: member.key });

/** The chart's order: most active first, then by actor type and id. */
export const compareMembers = (a: MemberKey, b: MemberKey): number =>
  b.total - a.total || (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0);
