{#- One cell as the rule checks name it: table, row and column codes, what was printed, the
    value read (NULL when missing, with the reason), where it was read and how (OCR, verified).
    With `printed` given the cell is not a table cell (the text, a date) and has no position. -#}
{% macro rule_cell(table, row, col, missing, printed=none, value=none, row_alias='cells') -%}
{%- if printed is none -%}
struct_pack(
    "table" := {{ table }}::varchar,
    "row" := {{ row }}::varchar,
    "col" := {{ col }}::varchar,
    printed := {{ row_alias }}.printed::varchar,
    "value" := {{ row_alias }}."value"::double,
    missing := {{ missing }}::varchar,
    "where" := struct_pack(
        page := {{ row_alias }}.page::integer,
        line := {{ row_alias }}.line::integer,
        at_table := {{ row_alias }}.at_table::integer,
        at_row := {{ row_alias }}.at_row::integer,
        at_col := {{ row_alias }}.at_col::integer
    ),
    "source" := {{ row_alias }}.cell_source::varchar,
    verified := {{ row_alias }}.verified::boolean
)
{%- else -%}
struct_pack(
    "table" := {{ table }}::varchar,
    "row" := {{ row }}::varchar,
    "col" := {{ col }}::varchar,
    printed := {{ printed }}::varchar,
    "value" := {{ value }}::double,
    missing := {{ missing }}::varchar,
    "where" := struct_pack(
        page := null::integer, line := null::integer, at_table := null::integer, at_row := null::integer, at_col := null::integer
    ),
    "source" := null::varchar,
    verified := null::boolean
)
{%- endif -%}
{%- endmacro %}
