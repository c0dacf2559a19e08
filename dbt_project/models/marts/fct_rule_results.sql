-- The rule results (R1–R11) of every current report, for BI and the mail: one row per check,
-- as int_rule_checks decides it, with the difference of its two sides (status passed, failed
-- or not_checked, the words the mail, the dashboard and `xxgk show` read).
-- Incremental like int_rule_checks: the checks recomputed in this run replace those of their
-- reports; reports no longer current lose theirs.

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

checks as (

    select * from {{ ref('int_rule_checks') }}
    {% if is_incremental() %}
    where checked_at > (select coalesce(max(checked_at), timestamp '1900-01-01') from {{ this }})
    {% endif %}

),

final as (

    select
        check_id,
        document_id,
        agency_id,
        agency_name,
        report_year,
        source,
        rule,
        scope,
        rule_order,
        check_order,
        expected,
        actual,
        actual - expected as difference,
        severity,
        case status when 'pass' then true when 'fail' then false end as passed,
        -- the mart keeps its published vocabulary (passed / failed / not_checked)
        case status when 'pass' then 'passed' when 'fail' then 'failed' else status end as status,
        reason,
        cells,
        checked_at

    from checks

)

select * from final
