/** A person as another subgraph resolves them (identity owns `User`); null for nobody. */
export const userReference = (id: string | null) => (id ? { __typename: "User" as const, id } : null);
