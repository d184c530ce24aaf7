-- Remove the businesses about to be rebuilt ($ids), and any business no record names any more.
DELETE FROM businesses
WHERE business_id IN (SELECT unnest($ids::VARCHAR[]))
   OR business_id NOT IN (
       SELECT business_id FROM permits WHERE business_id IS NOT NULL
       UNION SELECT business_id FROM penalties WHERE business_id IS NOT NULL
       UNION SELECT business_id FROM inspections WHERE business_id IS NOT NULL
   )
