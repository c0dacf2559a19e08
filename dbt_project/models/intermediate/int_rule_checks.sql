-- One row per rule check (R1–R11 of the spec) of every current report: the two sides, the
-- status (pass, fail, not_checked with the reason) and the cells involved with their codes and
-- values. The one definition of the rules; Great Expectations re-validates these rows.
-- A check with a missing cell, or with an OCR cell nobody verified, is not_checked, never passed.
-- Incremental: the reports loaded since the last run, and the reports of the year after them
-- (their R6/R11 read the new one), are recomputed; rows of reports no longer current are removed.
-- In batches: one run checks at most var('rule_check_batch') reports (oldest year first) and the
-- checked reports of the year after them; extract.pipeline.dbt_build runs the model again until
-- none is left. Memory is bounded by the batch, not by the warehouse (a national year in one query
-- joins tens of millions of sum terms with tens of millions of cells and runs out of memory).

{%- set batch = var('rule_check_batch') | int %}

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

all_reports as (

    -- inside this model a report is keyed by a number (document_sha is its document_id): the
    -- 64-character hash in every join key of tens of millions of cells and sum terms made the
    -- joins spill tens of gigabytes at a national scale
    select
        dim_report.* replace (row_number() over (order by dim_report.document_id) as document_id),
        dim_report.document_id as document_sha
    from {{ ref('dim_report') }} as dim_report
    where dim_report.is_current

),

rules as (

    select * from {{ ref('rules') }}

),

{% if is_incremental() %}

done as (

    select document_id, max(checked_at) as checked_at, any_value(agency_id) as agency_id
    from {{ this }}
    group by document_id

),

changed as (

    -- current reports not yet checked, or checked before they were (re)loaded or read again
    -- by a newer extractor (xxgk reextract keeps loaded_at and moves extracted_at)
    select all_reports.document_id, all_reports.agency_id, all_reports.report_year
    from all_reports
    left join done
        on all_reports.document_sha = done.document_id
    where done.document_id is null
        or {{ read_at('all_reports') }} > done.checked_at
        or done.agency_id is distinct from all_reports.agency_id
    -- one batch, oldest year first: a report is then checked after the year before it, and is
    -- rarely checked twice
    order by all_reports.report_year nulls last, all_reports.document_id
    limit {{ batch }}

),

reports as (

    -- the changed ones, and the checked reports of the year after them (their R6/R11 read a
    -- changed one); a report of the year after not checked yet waits for its own batch
    select all_reports.*
    from all_reports
    where all_reports.document_id in (select document_id from changed)
        or (
            all_reports.document_sha in (select document_id from done)
            and exists (
                select 1 from changed
                where changed.agency_id = all_reports.agency_id
                    and changed.report_year = all_reports.report_year - 1
            )
        )

),

{% else %}

reports as (

    -- the first batch; the runs after it check the rest (see changed)
    select * from all_reports
    order by report_year nulls last, document_id
    limit {{ batch }}

),

{% endif %}

previous as (

    -- the current report of the same agency on the year before (R6, R11)
    select
        reports.document_id,
        prior.document_id as previous_document_id

    from reports
    inner join all_reports as prior
        on reports.agency_id = prior.agency_id
        and prior.report_year = reports.report_year - 1

),

checked_keys as (

    -- the cells read: those of the reports checked and of their reports of the year before
    select document_id, document_sha from all_reports
    where document_id in (select document_id from reports)
        or document_id in (select previous_document_id from previous)

),

requests as (

    select facts.* replace (checked_keys.document_id as document_id)
    from {{ ref('fct_requests') }} as facts
    inner join checked_keys on facts.document_id = checked_keys.document_sha

),

litigation as (

    select facts.* replace (checked_keys.document_id as document_id)
    from {{ ref('fct_litigation') }} as facts
    inner join checked_keys on facts.document_id = checked_keys.document_sha

),

disclosures as (

    select facts.* replace (checked_keys.document_id as document_id)
    from {{ ref('fct_disclosures') }} as facts
    inner join checked_keys on facts.document_id = checked_keys.document_sha

),

cells as (

    select
        document_id, 'requests' as table_name, row_code, applicant as col_code, is_outcome, sort_order,
        value, printed, missing_reason, page, line, at_table, at_row, at_col, cell_source, verified
    from requests
    union all
    select
        document_id, 'litigation' as table_name, proceeding, result, false, sort_order,
        value, printed, missing_reason, page, line, at_table, at_row, at_col, cell_source, verified
    from litigation
    union all
    select
        document_id, 'disclosures' as table_name, item, measure, false, sort_order,
        value, printed, missing_reason, page, line, at_table, at_row, at_col, cell_source, verified
    from disclosures

),

applicants as (

    select * from (values
        ('natural_person', 1), ('commercial', 2), ('research', 3), ('public_interest', 4),
        ('legal_service', 5), ('other_org', 6), ('total', 7)
    ) as t (applicant, applicant_order)

),

proceedings as (

    select * from (values ('review', 1), ('suit_direct', 2), ('suit_after_review', 3)) as t (proceeding, proceeding_order)

),

results as (

    -- total = upheld + corrected + other + pending
    select * from (values ('upheld', 1, 'lhs'), ('corrected', 2, 'lhs'), ('other', 3, 'lhs'), ('pending', 4, 'lhs'), ('total', 5, 'rhs'))
        as t (result, result_order, side)

),

report_tables as (

    select document_id, table_name, count(*) as cell_count
    from cells
    where document_id in (select document_id from reports)
    group by all

),

has_cell as (

    select distinct document_id, table_name, row_code, col_code
    from cells

),

outcome_rows as (

    select document_id, row_code, min(sort_order) as row_order
    from cells
    where table_name = 'requests' and is_outcome
    group by all

),

request_rows as (

    select distinct document_id, row_code
    from cells
    where table_name = 'requests'

),

-- ---- checks of the form  sum(lhs cells) = sum(rhs cells)  -------------------------------

sum_terms as (

    -- R1: new_received + carried_over = outcome_total + carried_forward, per applicant
    select
        reports.document_id, 'R1' as rule, 'applicant=' || applicants.applicant as scope, applicants.applicant_order as check_order,
        t.side, t.term_order, reports.document_id as cell_document_id, 'requests' as table_name, t.row_code,
        applicants.applicant as col_code, 1 as sign, null as missing_note
    from reports
    inner join report_tables on reports.document_id = report_tables.document_id and report_tables.table_name = 'requests'
    cross join applicants
    cross join (values ('lhs', 1, 'new_received'), ('lhs', 2, 'carried_over'), ('rhs', 3, 'outcome_total'), ('rhs', 4, 'carried_forward'))
        as t (side, term_order, row_code)

    union all

    -- R3: every outcome row sums to outcome_total, per applicant
    select
        outcome_rows.document_id, 'R3', 'applicant=' || applicants.applicant, applicants.applicant_order,
        'lhs', outcome_rows.row_order, outcome_rows.document_id, 'requests', outcome_rows.row_code,
        applicants.applicant, 1, null
    from outcome_rows
    inner join reports on outcome_rows.document_id = reports.document_id
    cross join applicants

    union all

    select
        reports.document_id, 'R3', 'applicant=' || applicants.applicant, applicants.applicant_order,
        'rhs', 100000, reports.document_id, 'requests', 'outcome_total', applicants.applicant, 1, null
    from reports
    inner join report_tables on reports.document_id = report_tables.document_id and report_tables.table_name = 'requests'
    cross join applicants

    union all

    -- R2: per request row, the six applicant columns sum to total
    select
        request_rows.document_id, 'R2', 'row=' || request_rows.row_code, 0,
        case when applicants.applicant = 'total' then 'rhs' else 'lhs' end, applicants.applicant_order,
        request_rows.document_id, 'requests', request_rows.row_code, applicants.applicant, 1, null
    from request_rows
    inner join reports on request_rows.document_id = reports.document_id
    cross join applicants

    union all

    -- R4: per proceeding, total = upheld + corrected + other + pending
    select
        reports.document_id, 'R4', 'proceeding=' || proceedings.proceeding, proceedings.proceeding_order,
        results.side, results.result_order, reports.document_id, 'litigation', proceedings.proceeding, results.result, 1, null
    from reports
    cross join proceedings
    cross join results
    where exists (
        select 1 from has_cell
        where has_cell.document_id = reports.document_id
            and has_cell.table_name = 'litigation'
            and has_cell.row_code = proceedings.proceeding
    )

    union all

    -- R6: carried_over of year N = carried_forward of year N−1, per applicant
    select
        reports.document_id, 'R6', 'applicant=' || applicants.applicant || ' vs ' || (reports.report_year - 1), applicants.applicant_order,
        t.side, t.term_order, case when t.side = 'lhs' then reports.document_id else previous.previous_document_id end,
        'requests', t.row_code, applicants.applicant, 1, null
    from reports
    inner join previous on reports.document_id = previous.document_id
    cross join applicants
    cross join (values ('lhs', 1, 'carried_over'), ('rhs', 2, 'carried_forward')) as t (side, term_order, row_code)

    union all

    -- R11 (2021 template): in_force = in_force of the year before + issued − repealed
    select
        reports.document_id, 'R11', items.item || '.in_force vs ' || (reports.report_year - 1), items.item_order,
        t.side, t.term_order, case when t.of_previous then previous.previous_document_id else reports.document_id end,
        'disclosures', items.item, t.measure, t.sign, t.missing_note
    from reports
    inner join previous on reports.document_id = previous.document_id
    cross join (values ('regulations', 1), ('normative_documents', 2)) as items (item, item_order)
    cross join (values
        ('lhs', 1, 'in_force', false, 1, null),
        ('rhs', 2, 'in_force', true, 1, null),
        ('rhs', 3, 'issued', false, 1, null),
        ('rhs', 4, 'repealed', false, -1, 'repealed is missing')
    ) as t (side, term_order, measure, of_previous, sign, missing_note)
    where exists (
        select 1 from has_cell
        where has_cell.document_id = reports.document_id and has_cell.table_name = 'disclosures'
            and has_cell.row_code = items.item and has_cell.col_code = 'in_force'
    )
        and exists (
            select 1 from has_cell
            where has_cell.document_id = previous.previous_document_id and has_cell.table_name = 'disclosures'
                and has_cell.row_code = items.item and has_cell.col_code = 'in_force'
        )

    union all

    -- R11 (2019 template): items_prev_year continues from the year before's items_prev_year + items_change
    select
        reports.document_id, 'R11', items.item || '.items_prev_year vs ' || (reports.report_year - 1), 10 + items.item_order,
        t.side, t.term_order, case when t.of_previous then previous.previous_document_id else reports.document_id end,
        'disclosures', items.item, t.measure, 1, null
    from reports
    inner join previous on reports.document_id = previous.document_id
    cross join (values ('licensing', 1), ('other_services', 2), ('penalty', 3), ('coercion', 4), ('fees', 5)) as items (item, item_order)
    cross join (values
        ('lhs', 1, 'items_prev_year', false),
        ('rhs', 2, 'items_prev_year', true),
        ('rhs', 3, 'items_change', true)
    ) as t (side, term_order, measure, of_previous)
    where exists (
        select 1 from has_cell
        where has_cell.document_id = reports.document_id and has_cell.table_name = 'disclosures'
            and has_cell.row_code = items.item and has_cell.col_code = 'items_prev_year'
    )
        and exists (
            select 1 from has_cell
            where has_cell.document_id = previous.previous_document_id and has_cell.table_name = 'disclosures'
                and has_cell.row_code = items.item and has_cell.col_code = 'items_prev_year'
        )

),

term_cells as (

    -- the value of every term of every sum (light: no cell record yet, see sum_cells)
    select
        sum_terms.*,
        cells.value,
        cells.value is null as is_missing,
        coalesce(cells.missing_reason, case when cells.document_id is null then 'not_found' end) as missing_reason,
        coalesce(cells.verified, true) = false and cells.cell_source = 'ocr' as is_unverified

    from sum_terms
    left join cells
        on sum_terms.cell_document_id = cells.document_id
        and sum_terms.table_name = cells.table_name
        and sum_terms.row_code = cells.row_code
        and sum_terms.col_code = cells.col_code

),

sum_totals as (

    -- plain aggregates only (they spill to disk): an ordered list over every term of every sum
    -- would hold tens of millions of rows in memory at a national scale
    select
        document_id,
        rule,
        scope,
        check_order,
        count(*) filter (where is_missing and missing_note is null) > 0 as has_missing,
        min(missing_note) filter (where is_missing and missing_note is not null) as note,
        count(*) filter (where is_unverified) > 0 as has_unverified,
        sum(sign * value) filter (where side = 'lhs') as lhs_sum,
        sum(sign * value) filter (where side = 'rhs' and not (is_missing and missing_note is not null)) as rhs_sum

    from term_cells
    group by document_id, rule, scope, check_order

),

missing_terms as (

    -- the names of the missing terms, for the few sums that have them
    select
        document_id,
        rule,
        scope,
        check_order,
        list(
            row_code || '/' || col_code || ' (' || coalesce(missing_reason, 'missing') || ')'
            order by side, term_order
        ) as missing_names

    from term_cells
    where is_missing and missing_note is null
    group by document_id, rule, scope, check_order

),

sum_checks as (

    select
        sum_totals.*,
        missing_terms.missing_names

    from sum_totals
    left join missing_terms
        on sum_totals.document_id = missing_terms.document_id
        and sum_totals.rule = missing_terms.rule
        and sum_totals.scope = missing_terms.scope
        and sum_totals.check_order = missing_terms.check_order

),

sum_results as (

    select
        document_id,
        rule,
        scope,
        check_order,
        case when has_missing then null else coalesce(rhs_sum, 0) end::double as expected,
        case when has_missing then null else coalesce(lhs_sum, 0) end::double as actual,
        case
            when has_missing then 'not checked: missing cell(s) ' || array_to_string(list_slice(missing_names, 1, 6), ', ')
            when note is not null then 'not checked: ' || note
            when has_unverified then 'unverified OCR'
        end as reason

    from sum_checks

),

sum_cells as (

    -- the cells of the sums someone will read (failing or not checked): a list of cell records
    -- for each of a million passing sums would hold the whole warehouse in memory at once
    select
        sum_terms.document_id,
        sum_terms.rule,
        sum_terms.scope,
        sum_terms.check_order,
        list(
            {{ rule_cell('sum_terms.table_name', 'sum_terms.row_code', 'sum_terms.col_code', "coalesce(cells.missing_reason, case when cells.document_id is null then 'not_found' end)") }}
            order by sum_terms.side, sum_terms.term_order
        ) filter (where not (cells.value is null and sum_terms.missing_note is not null)) as cells

    from sum_terms
    semi join (
        select document_id, rule, scope, check_order from sum_results
        where reason is not null or expected is null or actual is null or expected != actual
    ) as wanted
        on sum_terms.document_id = wanted.document_id
        and sum_terms.rule = wanted.rule
        and sum_terms.scope = wanted.scope
        and sum_terms.check_order = wanted.check_order
    left join cells
        on sum_terms.cell_document_id = cells.document_id
        and sum_terms.table_name = cells.table_name
        and sum_terms.row_code = cells.row_code
        and sum_terms.col_code = cells.col_code
    group by all

),

sum_rows as (

    select
        sum_results.*,
        sum_cells.cells

    from sum_results
    left join sum_cells
        on sum_results.document_id = sum_cells.document_id
        and sum_results.rule = sum_cells.rule
        and sum_results.scope = sum_cells.scope
        and sum_results.check_order = sum_cells.check_order

),

-- ---- checks of another form -------------------------------------------------------------

table_not_found as (

    select reports.document_id, rule, 'applicant=' || applicants.applicant as scope, applicants.applicant_order as check_order,
        null::double as expected, null::double as actual, 'not checked: table 三 not found' as reason, null as cells
    from reports
    cross join applicants
    cross join (values ('R1'), ('R3')) as r (rule)
    where not exists (select 1 from report_tables where report_tables.document_id = reports.document_id and report_tables.table_name = 'requests')

    union all

    select reports.document_id, 'R2', 'table=requests', 0, null, null, 'not checked: table 三 not found', null
    from reports
    where not exists (select 1 from report_tables where report_tables.document_id = reports.document_id and report_tables.table_name = 'requests')

    union all

    select reports.document_id, 'R4', 'proceeding=' || proceedings.proceeding, proceedings.proceeding_order, null, null,
        'not checked: table 四 not found', null
    from reports
    cross join proceedings
    where not exists (
        select 1 from has_cell
        where has_cell.document_id = reports.document_id and has_cell.table_name = 'litigation'
            and has_cell.row_code = proceedings.proceeding
    )

),

report_table_names as (

    select reports.document_id, t.table_name, t.table_order
    from reports
    cross join (values ('disclosures', 1), ('requests', 2), ('litigation', 3)) as t (table_name, table_order)

),

cell_flags as (

    -- one row per cell of the reports checked, with what R5 and R7 ask of it (no cell record:
    -- those are built below only for the few cells that break a rule, so memory stays bounded)
    select
        cells.document_id,
        cells.table_name,
        cells.row_code,
        cells.col_code,
        cells.sort_order,
        cells.value is null as is_missing,
        cells.value is not null and (
            (cells.value < 0 and not (cells.table_name = 'disclosures' and cells.col_code = 'items_change'))
            or (
                not (cells.table_name = 'disclosures' and (cells.row_code, cells.col_code) in (('fees', 'amount_10k_yuan'), ('procurement', 'amount')))
                and cells.value != trunc(cells.value)
            )
        ) as is_bad,
        coalesce(cells.verified, true) = false and cells.cell_source = 'ocr' as is_unverified

    from cells
    where cells.document_id in (select document_id from reports)

),

table_counts as (

    select
        document_id,
        table_name,
        count(*) as cell_count,
        count(*) filter (where not is_missing) as value_count,
        count(*) filter (where is_bad) as bad_count,
        count(*) filter (where is_bad and is_unverified) as bad_unverified_count

    from cell_flags
    group by document_id, table_name

),

flagged_cell_lists as (

    -- the cell records of the cells R5 (bad) and R7 (missing) name
    select
        flags.document_id,
        flags.table_name,
        list({{ rule_cell('cells.table_name', 'cells.row_code', 'cells.col_code', 'cells.missing_reason') }} order by cells.sort_order, cells.row_code, cells.col_code)
            filter (where flags.is_bad) as bad_cells,
        list_slice(
            list({{ rule_cell('cells.table_name', 'cells.row_code', 'cells.col_code', 'cells.missing_reason') }} order by cells.sort_order, cells.row_code, cells.col_code)
                filter (where flags.is_missing),
            1, 40
        ) as missing_cells

    from cell_flags as flags
    inner join cells
        on flags.document_id = cells.document_id
        and flags.table_name = cells.table_name
        and flags.row_code = cells.row_code
        and flags.col_code = cells.col_code
    where flags.is_bad or flags.is_missing
    group by flags.document_id, flags.table_name

),

table_checks as (

    -- every table of every report checked, with its counts and flagged cells (R5, R7)
    select
        report_table_names.document_id,
        report_table_names.table_name,
        report_table_names.table_order,
        coalesce(table_counts.cell_count, 0) as cell_count,
        coalesce(table_counts.value_count, 0) as value_count,
        table_counts.bad_count,
        table_counts.bad_unverified_count,
        flagged_cell_lists.bad_cells,
        flagged_cell_lists.missing_cells

    from report_table_names
    left join table_counts
        on report_table_names.document_id = table_counts.document_id
        and report_table_names.table_name = table_counts.table_name
    left join flagged_cell_lists
        on report_table_names.document_id = flagged_cell_lists.document_id
        and report_table_names.table_name = flagged_cell_lists.table_name

),

r5 as (

    -- counts are whole numbers ≥ 0 (a change may be signed); money is a decimal ≥ 0
    select
        document_id,
        'R5' as rule,
        'table=' || table_name as scope,
        table_order as check_order,
        case when cell_count > 0 then 0 end::double as expected,
        case when cell_count > 0 then bad_count end::double as actual,
        case
            when cell_count = 0 then 'not checked: table ' || table_name || ' not found'
            when bad_unverified_count > 0 then 'unverified OCR'
        end as reason,
        bad_cells as cells

    from table_checks

),

r7 as (

    -- all three tables present, every cell of the template filled
    select
        document_id,
        'R7' as rule,
        'table=' || table_name as scope,
        table_order as check_order,
        cell_count::double as expected,
        value_count::double as actual,
        null as reason,
        missing_cells as cells

    from table_checks

),

r8 as (

    -- published by the deadline: 31 January (department) or 31 March (government)
    select
        document_id,
        'R8' as rule,
        case
            when published_on is null or deadline is null then 'published_on'
            else 'published_on≤' || strftime(deadline, '%Y-%m-%d') || ' (' || coalesce(publisher_kind, '') || ')'
        end as scope,
        0 as check_order,
        case when published_on is not null and deadline is not null then date_diff('day', date '1970-01-01', deadline) end::double as expected,
        case when published_on is not null and deadline is not null then date_diff('day', date '1970-01-01', published_on) end::double as actual,
        case when published_on is null or deadline is null then 'not checked: the document states no publication date' end as reason,
        case when published_on is not null and deadline is not null then [
            {{ rule_cell("'report'", "'published_on'", 'null', 'null', printed="strftime(published_on, '%Y-%m-%d')", value='null') }}
        ] end as cells

    from reports

),

statements as (

    select
        reports.document_id,
        reports.report_year,
        s.ordinality as statement_order,
        s.statement ->> 'kind' as kind,
        (s.statement ->> 'count')::double as stated_count,
        (s.statement ->> 'year')::integer as stated_year,
        s.statement ->> 'text' as stated_text

    from reports
    cross join lateral (
        select unnest(coalesce(json_extract(reports.narrative, '$.statements[*]'), [])) as statement,
            generate_subscripts(coalesce(json_extract(reports.narrative, '$.statements[*]'), []), 1) as ordinality
    ) as s
    where reports.narrative is not null

),

stated_cells as (

    select
        statements.*,
        new_received.value as new_value,
        carried.value as carried_value,
        new_received.document_id is not null as has_new,
        {{ rule_cell("'requests'", "'new_received'", "'total'", 'new_received.missing_reason', row_alias='new_received') }} as new_cell,
        coalesce(in_force.value, published_total.value) as in_force_value,
        case when in_force.document_id is not null then in_force.document_id else published_total.document_id end is not null as has_in_force,
        case when in_force.document_id is not null then in_force.value is null else published_total.value is null end as in_force_missing,
        case when in_force.document_id is not null
            then {{ rule_cell("'disclosures'", "'normative_documents'", "'in_force'", 'in_force.missing_reason', row_alias='in_force') }}
            else {{ rule_cell("'disclosures'", "'normative_documents'", "'published_total'", 'published_total.missing_reason', row_alias='published_total') }}
        end as in_force_cell,
        coalesce(new_received.verified, true) = false and new_received.cell_source = 'ocr' as new_unverified,
        coalesce(coalesce(in_force.verified, published_total.verified), true) = false
            and coalesce(in_force.cell_source, published_total.cell_source) = 'ocr' as in_force_unverified,
        {{ rule_cell("'text'", "'stated'", 'null', 'null', printed='statements.stated_text', value='statements.stated_count') }} as text_cell

    from statements
    left join cells as new_received
        on statements.document_id = new_received.document_id and new_received.table_name = 'requests'
        and new_received.row_code = 'new_received' and new_received.col_code = 'total'
    left join cells as carried
        on statements.document_id = carried.document_id and carried.table_name = 'requests'
        and carried.row_code = 'carried_over' and carried.col_code = 'total'
    left join cells as in_force
        on statements.document_id = in_force.document_id and in_force.table_name = 'disclosures'
        and in_force.row_code = 'normative_documents' and in_force.col_code = 'in_force'
    left join cells as published_total
        on statements.document_id = published_total.document_id and published_total.table_name = 'disclosures'
        and published_total.row_code = 'normative_documents' and published_total.col_code = 'published_total'
    where statements.stated_year is null or statements.stated_year = statements.report_year

),

r9_stated as (

    -- counts stated in the text agree with the table
    select
        document_id,
        'R9' as rule,
        case when new_value is null then 'requests stated' else 'requests stated: ' || left(stated_text, 60) end as scope,
        statement_order as check_order,
        case
            when new_value is null then null
            -- "收到…申请N件" may count the carried-over requests with the new ones
            when carried_value is not null and stated_count = new_value + carried_value and stated_count != new_value
                then new_value + carried_value
            else new_value
        end as expected,
        stated_count as actual,
        case
            when new_value is null then 'not checked: 本年新收 (total) is missing'
            when new_unverified then 'unverified OCR'
        end as reason,
        case when new_value is not null then [new_cell, text_cell] end as cells

    from stated_cells
    where kind = 'requests'

    union all

    select
        document_id,
        'R9',
        'documents in force stated: ' || left(stated_text, 60),
        statement_order,
        in_force_value,
        stated_count,
        case when in_force_unverified then 'unverified OCR' end,
        [in_force_cell, text_cell]

    from stated_cells
    where kind = 'normative_in_force' and has_in_force and not in_force_missing

),

r9 as (

    select * from r9_stated

    union all

    select document_id, 'R9', 'narrative', 0, null, null, 'not checked: the text states no count to compare', null
    from reports
    where document_id not in (select document_id from r9_stated)

),

r10_named as (

    -- years named in the text match the report year
    select
        document_id,
        'R10' as rule,
        'statistics period' as scope,
        0 as check_order,
        report_year::double as expected,
        (narrative ->> '$.period_year')::double as actual,
        null as reason,
        null as cells

    from reports
    where report_year is not null and (narrative ->> '$.period_year') is not null

    union all

    select
        statements.document_id,
        'R10',
        'year named: ' || left(statements.stated_text, 60),
        statements.statement_order,
        statements.report_year::double,
        statements.stated_year::double,
        null,
        [{{ rule_cell("'text'", "'year'", 'null', 'null', printed='statements.stated_text', value='statements.stated_year::double') }}]

    from statements
    where statements.stated_year is not null and statements.report_year is not null

),

r10 as (

    select * from r10_named

    union all

    select document_id, 'R10', 'narrative', 0, null, null, 'not checked: the text names no year for its figures', null
    from reports
    where document_id not in (select document_id from r10_named)

),

continuity_not_checked as (

    select reports.document_id, r.rule, r.scope, 0 as check_order, null::double as expected, null::double as actual,
        'not checked: no report of this agency on ' || coalesce((reports.report_year - 1)::varchar, '?') || ' is held' as reason,
        null as cells
    from reports
    cross join (values ('R6', 'carried_over'), ('R11', 'in_force')) as r (rule, scope)
    where reports.document_id not in (select document_id from previous)

    union all

    select reports.document_id, 'R11', 'in_force', 0, null, null,
        'not checked: the reports on ' || (reports.report_year - 1) || ' and ' || reports.report_year || ' use different templates', null
    from reports
    where reports.document_id in (select document_id from previous)
        and reports.document_id not in (select document_id from sum_rows where rule = 'R11')

),

checks as (

    select * from sum_rows
    union all by name
    select * from table_not_found
    union all by name
    select * from r5
    union all by name
    select * from r7
    union all by name
    select * from r8
    union all by name
    select * from r9
    union all by name
    select * from r10
    union all by name
    select * from continuity_not_checked

),

final as (

    select
        md5(reports.document_sha || '|' || checks.rule || '|' || checks.scope || '|' || checks.check_order) as check_id,
        reports.document_sha as document_id,
        reports.agency_id,
        reports.agency_name,
        reports.report_year,
        reports.source,
        checks.rule,
        checks.scope,
        rules.rule_order,
        checks.check_order,
        checks.expected::double as expected,
        checks.actual::double as actual,
        rules.severity,
        case
            when checks.reason is not null then 'not_checked'
            when checks.rule = 'R8' and checks.actual <= checks.expected then 'pass'
            when checks.rule = 'R8' then 'fail'
            when checks.actual = checks.expected then 'pass'
            else 'fail'
        end as status,
        checks.reason,
        -- the cells are kept where someone will read them: checks that fail, could not be
        -- checked, or compare with the text or a date (a million passing sums need no list)
        case
            when checks.reason is not null or checks.rule in ('R8', 'R9', 'R10')
                or checks.actual is null or checks.expected is null or checks.actual != checks.expected
                then to_json(coalesce(checks.cells, []))::varchar
        end as cells,
        {{ built_at() }} as checked_at

    from checks
    inner join reports
        on checks.document_id = reports.document_id
    inner join rules
        on checks.rule = rules.rule

)

select * from final
