{#- When this dbt invocation started, in UTC (loaded_at and extracted_at are UTC too): the
    `built_at` / `checked_at` of every row an incremental model writes in this run. -#}
{% macro built_at() -%}
    timestamp '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
{%- endmacro %}


{#- Tests of the large incremental models read only the reports this build (re)wrote.

    A test configured with `where: "__built_this_run__:<column>"` reads every row of the
    reports that have a row with <column> (built_at or checked_at) at or after the start of
    this build: var('built_since') when extract.pipeline.dbt_build ran the model in several
    invocations, else the start of this one. On a full refresh that is every row. The rows of
    other reports were tested when they were written and are not touched by an incremental run
    (delete+insert replaces a report's rows as a whole), so a duplicate or a NULL can only appear
    in the reports written now. A `dbt test` on its own tests every row. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if where and where.startswith('__built_this_run__:') -%}
        {%- if invocation_args_dict.get('which') not in ('build', 'run') -%}
            {%- do return(relation) -%}
        {%- endif -%}
        {%- set column = where.split(':')[1] -%}
        {%- set since = var('built_since', run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f')) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where document_id in (
                select document_id from {{ relation }} where {{ column }} >= timestamp '{{ since }}'
            )) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- endif -%}
    {%- do return(default__get_where_subquery(relation)) -%}
{%- endmacro %}
