-- Interview times: a 约谈 is booked for a time of day (from the reviewer's 计划时间 or the first free
-- configured slot), so two interviews never share a time and a place. Other entries keep NULL.
ALTER TABLE register_entries ADD COLUMN IF NOT EXISTS starts_at TIMESTAMP;

-- Catalogue items may name the situations they apply to (适用触发情形: 许可到期, 属实投诉 …), so a
-- licence-renewal reminder is never chosen for a business whose licence is not expiring.
ALTER TABLE catalog_items ADD COLUMN IF NOT EXISTS triggers VARCHAR;
