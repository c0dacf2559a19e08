{#- When a document's rows were last (re)written in raw: loaded, or read again by a newer
    extractor (`xxgk reextract` moves extracted_at and keeps loaded_at). Incremental models
    compare it with what they hold to find the reports that changed since their last run. -#}
{% macro read_at(relation) -%}
    greatest({{ relation }}.loaded_at, coalesce({{ relation }}.extracted_at, {{ relation }}.loaded_at))
{%- endmacro %}
