{#- When a document's rows were last (re)written in raw: loaded, or read again by a newer
    extractor (`xxgk reextract` moves extracted_at and keeps loaded_at). Incremental models
    compare it with what they hold to find the reports that changed since their last run. -#}
{% macro read_at(relation) -%}
    greatest({{ relation }}.loaded_at, coalesce({{ relation }}.extracted_at, {{ relation }}.loaded_at))
{%- endmacro %}

{#- The filter of an incremental fact on dim_report: only reports (re)written since this table
    last saw them, or whose agency changed. Nothing on a full build. -#}
{% macro where_report_changed() -%}
    {% if is_incremental() %}
    where not exists (
        -- one row a report first: the table has a row a cell, and the join of every cell with
        -- its report took seconds at a national scale
        select 1 from (select distinct document_id, read_at, agency_id from {{ this }}) as held
        where held.document_id = dim_report.document_id
            and held.read_at = {{ read_at('dim_report') }}
            and held.agency_id is not distinct from dim_report.agency_id
    )
    {% endif %}
{%- endmacro %}
