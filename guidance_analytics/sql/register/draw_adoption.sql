-- 是否采纳 of one drawn row, recorded when its reviewed list is registered ($adopted TRUE/FALSE).
UPDATE guidance_draws
SET adopted = $adopted, decided_at = now()::TIMESTAMP
WHERE draw_id = $draw_id AND business_id = $business_id AND ($action IS NULL OR action = $action)
