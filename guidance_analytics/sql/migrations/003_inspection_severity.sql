-- The one definition of inspection severity, used by features, routing, hotspots and effects:
-- 未发现问题 0 < 发现问题已当场整改 1 < 责令限期整改 2 < 移送立案 3; a missing or unknown result is 0.
-- A violation found is severity >= 1. Queries read inspections through this view when they need it.
CREATE OR REPLACE VIEW inspection_severity AS
SELECT
    i.*,
    CASE i.result
        WHEN '未发现问题' THEN 0
        WHEN '发现问题已当场整改' THEN 1
        WHEN '责令限期整改' THEN 2
        WHEN '移送立案' THEN 3
        ELSE 0
    END AS severity
FROM inspections AS i;
