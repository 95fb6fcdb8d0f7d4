-- Grow a kept 100,000-company bench database tenfold for bench/reliability_score.py: every
-- company (ids 1-100,000) and its statements, checklists and invoices copied nine times under
-- ids + k*100,000. Synthetic scale, realistic per-company data. Only for your own bench DB:
--   psql postgres://postgres@127.0.0.1:5432/rel_bench -f bench/reliability_grow.sql
\set ON_ERROR_STOP on
\timing on
CREATE OR REPLACE FUNCTION pg_temp.grow(tbl text, key text, k int) RETURNS void AS $$
DECLARE cols text; sel text;
BEGIN
  SELECT string_agg(quote_ident(column_name), ', ' ORDER BY ordinal_position),
         string_agg(CASE WHEN column_name = key THEN quote_ident(column_name) || ' + ' || (k * 100000)
                    ELSE quote_ident(column_name) END, ', ' ORDER BY ordinal_position)
    INTO cols, sel FROM information_schema.columns
   WHERE table_name = tbl AND table_schema = 'public' AND (column_name <> 'id' OR key = 'id');
  EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I WHERE %I <= 100000', tbl, cols, sel, tbl, key);
END $$ LANGUAGE plpgsql;
SELECT pg_temp.grow('clients_company', 'id', k) FROM generate_series(1, 9) k;
SELECT setval(pg_get_serial_sequence('clients_company', 'id'), (SELECT max(id) FROM clients_company));
SELECT pg_temp.grow('reliability_financialstatement', 'company_id', k) FROM generate_series(1, 9) k;
SELECT pg_temp.grow('reliability_checklistanswer', 'company_id', k) FROM generate_series(1, 9) k;
SELECT pg_temp.grow('reliability_invoice', 'company_id', k) FROM generate_series(1, 9) k;
ANALYZE;
SELECT (SELECT count(*) FROM clients_company), (SELECT count(*) FROM reliability_financialstatement), (SELECT count(*) FROM reliability_invoice), (SELECT count(*) FROM reliability_checklistanswer);
