"""A shorter variant of README.md's "Config as code" file, shared by the import and export tests."""

EXAMPLE = """\
connections:
  - {name: erp, driver: postgres, jdbc_url: "jdbc:postgresql://127.0.0.1:5432/erp", username: etl, \
password: $ERP_PASSWORD}
  - {name: dw, driver: postgres, jdbc_url: "jdbc:postgresql://127.0.0.1:5432/dw", username: etl}
modules:
  - name: orders
    source: erp
    dest: dw
    dest_table: public.orders
    strategy: incremental          # full | incremental | append
    merge_key: [id]
    source_query: "SELECT id, customer, total, updated_at FROM orders WHERE updated_at >= '{since}'"
    columns:
      - {source_name: id, dest_name: id, dest_type: bigint}
      - {source_name: customer, dest_name: customer, dest_type: text}
      - {source_name: total, dest_name: total, dest_type: "numeric(12,2)"}
      - {source_name: updated_at, dest_name: updated_at, dest_type: timestamp}
    watermarks:
      - {name: since, resolver_sql: "SELECT max(updated_at) FROM public.orders", default_value: "1970-01-01"}
    hooks:
      - {name: refresh, sql: "ANALYZE public.orders", run_on: success, run_order: 1}
groups:
  - name: nightly
    stop_on_failure: false
    members: [orders]
    schedules:
      - {cron: "0 4 * * *", timezone: America/New_York}
"""
