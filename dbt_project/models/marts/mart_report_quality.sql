-- A score out of 100 for every current report, built from the rules so that a ranking can be
-- explained row by row. Parts (weights in the YAML):
--   timeliness   15  published by the deadline (R8); no date printed → 0
--   tables       10  the three statistics tables present, 10/3 each
--   cells        15  share of the template's cells read (a blank or unreadable cell is not)
--   balance      30  share of R1–R4 checks passed (a check that could not run earns nothing)
--   continuity   15  share of R6 checks passed; full marks when there is no previous year
--   narrative    15  share of R9/R10 checks passed; full marks when the text states no figures

with

reports as (

    select * from {{ ref('dim_report') }}
    where is_current

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

rule_results as (

    select * from {{ ref('fct_rule_results') }}

),

cells as (

    select document_id, is_missing, missing_reason from {{ ref('fct_requests') }}
    union all
    select document_id, is_missing, missing_reason from {{ ref('fct_disclosures') }}
    union all
    select document_id, is_missing, missing_reason from {{ ref('fct_litigation') }}

),

cell_counts as (

    select
        document_id,
        count(*) as cells_expected,
        count(*) filter (where not is_missing) as cells_read

    from cells
    group by document_id

),

tables_missing as (

    select
        document_id,
        count(distinct table_name) as tables_missing

    from (
        select document_id, 'requests' as table_name from {{ ref('fct_requests') }} where missing_reason = 'table_missing'
        union all
        select document_id, 'disclosures' from {{ ref('fct_disclosures') }} where missing_reason = 'table_missing'
        union all
        select document_id, 'litigation' from {{ ref('fct_litigation') }} where missing_reason = 'table_missing'
    ) as missing
    group by document_id

),

rule_counts as (

    select
        document_id,
        count(*) filter (where rule in ('R1', 'R2', 'R3', 'R4')) as balance_checks,
        count(*) filter (where rule in ('R1', 'R2', 'R3', 'R4') and status = 'passed') as balance_passed,
        count(*) filter (where rule = 'R6') as continuity_checks,
        count(*) filter (where rule = 'R6' and status = 'passed') as continuity_passed,
        count(*) filter (where rule in ('R9', 'R10')) as narrative_checks,
        count(*) filter (where rule in ('R9', 'R10') and status = 'passed') as narrative_passed,
        string_agg(distinct rule, ', ' order by rule) filter (where status = 'failed') as failing_rules,
        string_agg(distinct rule, ', ' order by rule) filter (where status = 'not_checked') as unchecked_rules

    from rule_results
    group by document_id

),

parts as (

    select
        reports.document_id,
        reports.agency_id,
        reports.report_year,
        reports.status,
        reports.published_on,
        reports.on_time,
        coalesce(cell_counts.cells_expected, 0) as cells_expected,
        coalesce(cell_counts.cells_read, 0) as cells_read,
        coalesce(tables_missing.tables_missing, 0) as tables_missing,
        coalesce(rule_counts.balance_checks, 0) as balance_checks,
        coalesce(rule_counts.balance_passed, 0) as balance_passed,
        coalesce(rule_counts.continuity_checks, 0) as continuity_checks,
        coalesce(rule_counts.continuity_passed, 0) as continuity_passed,
        coalesce(rule_counts.narrative_checks, 0) as narrative_checks,
        coalesce(rule_counts.narrative_passed, 0) as narrative_passed,
        rule_counts.failing_rules,
        rule_counts.unchecked_rules,
        case when reports.on_time then 15.0 else 0.0 end as timeliness_points,
        10.0 * (3 - coalesce(tables_missing.tables_missing, 0)) / 3 as tables_points,
        case when coalesce(cell_counts.cells_expected, 0) > 0
            then 15.0 * cell_counts.cells_read / cell_counts.cells_expected else 0.0 end as cells_points,
        case when coalesce(rule_counts.balance_checks, 0) > 0
            then 30.0 * rule_counts.balance_passed / rule_counts.balance_checks else 0.0 end as balance_points,
        case when coalesce(rule_counts.continuity_checks, 0) > 0
            then 15.0 * rule_counts.continuity_passed / rule_counts.continuity_checks else 15.0 end as continuity_points,
        case when coalesce(rule_counts.narrative_checks, 0) > 0
            then 15.0 * rule_counts.narrative_passed / rule_counts.narrative_checks else 15.0 end as narrative_points

    from reports
    left join cell_counts
        on reports.document_id = cell_counts.document_id
    left join tables_missing
        on reports.document_id = tables_missing.document_id
    left join rule_counts
        on reports.document_id = rule_counts.document_id

),

final as (

    select
        parts.agency_id,
        agencies.agency_name,
        agencies.level,
        agencies.province,
        agencies.city,
        agencies.county,
        parts.report_year,
        parts.document_id,
        parts.status,
        parts.published_on,
        parts.on_time,
        round(parts.timeliness_points + parts.tables_points + parts.cells_points + parts.balance_points
              + parts.continuity_points + parts.narrative_points, 1) as quality_score,
        rank() over (
            partition by parts.report_year
            order by parts.timeliness_points + parts.tables_points + parts.cells_points + parts.balance_points
                + parts.continuity_points + parts.narrative_points desc
        ) as rank_in_year,
        round(parts.timeliness_points, 1) as timeliness_points,
        round(parts.tables_points, 1) as tables_points,
        round(parts.cells_points, 1) as cells_points,
        round(parts.balance_points, 1) as balance_points,
        round(parts.continuity_points, 1) as continuity_points,
        round(parts.narrative_points, 1) as narrative_points,
        parts.cells_expected,
        parts.cells_read,
        parts.tables_missing,
        parts.balance_checks,
        parts.balance_passed,
        parts.continuity_checks,
        parts.continuity_passed,
        parts.narrative_checks,
        parts.narrative_passed,
        parts.failing_rules,
        parts.unchecked_rules

    from parts
    left join agencies
        on parts.agency_id = agencies.agency_id

)

select * from final
