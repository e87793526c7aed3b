-- DropIndex
DROP INDEX "ticket_sla_due_at_idx";

-- DropIndex
DROP INDEX "ticket_sla_warn_at_idx";

-- CreateIndex
CREATE INDEX "ticket_sla_warn_at_idx" ON "ticket"("sla_warn_at") WHERE (sla_warned_at IS NULL) AND (sla_breached_at IS NULL) AND (status <> ALL (ARRAY['SOLVED'::"TicketStatus", 'CLOSED'::"TicketStatus"]));

-- CreateIndex
CREATE INDEX "ticket_sla_due_at_idx" ON "ticket"("sla_due_at") WHERE (sla_breached_at IS NULL) AND (status <> ALL (ARRAY['SOLVED'::"TicketStatus", 'CLOSED'::"TicketStatus"]));
