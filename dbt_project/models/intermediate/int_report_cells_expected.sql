-- Every cell the report's template prints, for every current report that was read:
-- the value read, or NULL with the reason it is missing. A blank cell is never 0.
-- Incremental: only the current reports (re)written in raw since this table last saw them are
-- expanded again (delete+insert on document_id); rows of reports no longer current are removed.

{{
    config(
        materialized='incremental',
        unique_key='document_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="delete from {{ this }} where document_id not in (select document_id from {{ ref('int_documents_ranked') }} where is_current)"
    )
}}

with

documents as (

    select
        *,
        {{ read_at('int_documents_ranked') }} as read_at

    from {{ ref('int_documents_ranked') }}
    where is_current
    {% if is_incremental() %}
        and not exists (
            -- one row a report first (the table has a row a cell)
            select 1 from (select distinct document_id, read_at from {{ this }}) as held
            where held.document_id = int_documents_ranked.document_id
                and held.read_at = {{ read_at('int_documents_ranked') }}
        )
    {% endif %}

),

cells as (

    select * from {{ ref('stg_raw__report_cells') }}
    where document_id in (select document_id from documents)

),

problems as (

    select * from {{ ref('stg_raw__extraction_problems') }}
    where document_id in (select document_id from documents)

),

template_cells as (

    select * from {{ ref('template_cells') }}

),

version_only_codes as (

    -- codes printed by one template version only tell which version a table follows
    select
        table_name,
        row_code,
        col_code,
        min(template_version) as template_version

    from template_cells
    group by table_name, row_code, col_code
    having count(*) = 1

),

table_versions as (

    select
        documents.document_id,
        documents.read_at,
        tables.table_name,
        coalesce(
            (
                select max(version_only_codes.template_version)
                from cells
                inner join version_only_codes
                    on cells.table_name = version_only_codes.table_name
                    and cells.row_code = version_only_codes.row_code
                    and cells.col_code = version_only_codes.col_code
                where cells.document_id = documents.document_id
                    and cells.table_name = tables.table_name
            ),
            case when documents.template_version in ('2019', '2021') then documents.template_version end,
            case when documents.report_year in (2019, 2020) then '2019' else '2021' end
        ) as table_version

    from documents
    cross join (values ('disclosures'), ('requests'), ('litigation')) as tables (table_name)

),

expected as (

    select
        table_versions.document_id,
        table_versions.read_at,
        table_versions.table_version,
        template_cells.table_name,
        template_cells.row_code,
        template_cells.col_code,
        template_cells.row_group,
        template_cells.is_outcome,
        template_cells.sort_order

    from table_versions
    inner join template_cells
        on table_versions.table_name = template_cells.table_name
        and table_versions.table_version = template_cells.template_version

),

cell_problems as (

    select
        document_id,
        table_name,
        row_code,
        col_code,
        min(problem_code) as problem_code

    from problems
    where row_code is not null
    group by all

),

table_problems as (

    select distinct
        document_id,
        table_name

    from problems
    where problem_code = 'table_missing'

),

joined as (

    select
        expected.*,
        cells.value,
        cells.printed,
        cells.unit,
        cells.page,
        cells.line,
        cells.at_table,
        cells.at_row,
        cells.at_col,
        cells.source as cell_source,
        cells.confidence,
        cells.verified,
        case
            when cells.value is not null then null
            when table_problems.document_id is not null then 'table_missing'
            when cell_problems.problem_code = 'blank_cell' then 'blank'
            when cell_problems.problem_code in ('unreadable_cell', 'unreadable_row') then 'unreadable'
            else 'not_found'
        end as missing_reason

    from expected
    left join cells
        on expected.document_id = cells.document_id
        and expected.table_name = cells.table_name
        and expected.row_code = cells.row_code
        and expected.col_code = cells.col_code
    left join cell_problems
        on expected.document_id = cell_problems.document_id
        and expected.table_name = cell_problems.table_name
        and expected.row_code = cell_problems.row_code
        and (expected.col_code = cell_problems.col_code or cell_problems.col_code is null)
    left join table_problems
        on expected.document_id = table_problems.document_id
        and expected.table_name = table_problems.table_name

),

printed_elsewhere as (

    -- a mixed report may print a row of the other version (e.g. 2019's single 其他处理):
    -- keep it as printed rather than drop it
    select
        cells.document_id,
        table_versions.read_at,
        table_versions.table_version,
        cells.table_name,
        cells.row_code,
        cells.col_code,
        coalesce(template_cells.row_group, cells.row_code) as row_group,
        coalesce(template_cells.is_outcome, 0) as is_outcome,
        coalesce(template_cells.sort_order, 9999) as sort_order,
        cells.value,
        cells.printed,
        cells.unit,
        cells.page,
        cells.line,
        cells.at_table,
        cells.at_row,
        cells.at_col,
        cells.source as cell_source,
        cells.confidence,
        cells.verified,
        null as missing_reason

    from cells
    inner join table_versions
        on cells.document_id = table_versions.document_id
        and cells.table_name = table_versions.table_name
    left join (select distinct table_name, row_code, col_code, row_group, is_outcome, sort_order from template_cells qualify row_number() over (partition by table_name, row_code, col_code order by template_version) = 1) as template_cells
        on cells.table_name = template_cells.table_name
        and cells.row_code = template_cells.row_code
        and cells.col_code = template_cells.col_code
    anti join expected
        on cells.document_id = expected.document_id
        and cells.table_name = expected.table_name
        and cells.row_code = expected.row_code
        and cells.col_code = expected.col_code

),

all_cells as (

    select * from joined
    union all by name
    select * from printed_elsewhere

),

final as (

    select
        *,
        {{ built_at() }} as built_at

    from all_cells

)

select * from final
