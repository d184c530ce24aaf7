-- Insert credit-risk classes whose key (credit code and 分类日期) is not stored yet.
WITH new_rows AS (
    SELECT * FROM staged
)
INSERT INTO credit_classes BY NAME
SELECT * FROM new_rows
