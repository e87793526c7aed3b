import { SLA_PRESET_HOURS } from "../domain/tickets.js";
import type { SlaPolicyResolvers } from "../generated/graphql.js";

export const SlaPolicy: SlaPolicyResolvers = {
  presetHours: () => [...SLA_PRESET_HOURS],
};
