{#- A value outside [min_value, max_value]; NULLs are left to not_null. -#}
{% test between(model, column_name, min_value, max_value) %}

select *
from {{ model }}
where {{ column_name }} < {{ min_value }}
    or {{ column_name }} > {{ max_value }}

{% endtest %}
