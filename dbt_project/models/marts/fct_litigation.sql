-- Table 四: current report × proceeding × result.

-- Incremental (delete+insert on document_id): a run rewrites the rows of the reports it
-- changed; rows of reports no longer current are removed. `xxgk build --full-refresh` rebuilds.

{{
    config(
        materialized='incremental',
        unique_key='document_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where document_id not in (select document_id from {{ ref('dim_report') }} where is_current)"
    )
}}

with

cells as (

    select * from {{ ref('int_report_cells_expected') }}
    where table_name = 'litigation'

),

reports as (

    select * from {{ ref('dim_report') }}
    {{ where_report_changed() }}

),

final as (

    select
        cells.document_id,
        cells.read_at,
        {{ built_at() }} as built_at,
        reports.agency_id,
        reports.report_year,
        cells.table_version as template_version,
        cells.row_code as proceeding,
        cells.col_code as result,
        cells.value,
        cells.value is null as is_missing,
        cells.missing_reason,
        cells.printed,
        cells.page,
        cells.line,
        cells.at_table,
        cells.at_row,
        cells.at_col,
        cells.cell_source,
        cells.confidence,
        cells.verified,
        cells.sort_order

    from cells
    inner join reports
        on cells.document_id = reports.document_id

)

select * from final
