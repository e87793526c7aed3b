import { API_KEY_SCHEME } from "../domain/api-keys.js";
import type { ApiKeyResolvers } from "../generated/graphql.js";

export const ApiKey: ApiKeyResolvers = {
  prefix: (key) => `${API_KEY_SCHEME}${key.prefix}`,
  createdBy: (key) => ({ __typename: "User", id: key.createdBy }),
  revoked: (key) => key.revokedAt !== null,
};
