-- Who published, when and how late: per agency and report year, every agency expected that year
-- (it published in an earlier year, or it published this year) with its report or its absence.
-- "Who has not published yet" is `where not has_published`; `is_overdue` adds "and the deadline
-- (R8: 31 January for departments, 31 March for governments) has passed".

with

reports as (

    select * from {{ ref('dim_report') }}
    where agency_id is not null
        and report_year is not null

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

years as (

    select distinct report_year from reports

),

first_seen as (

    select
        agency_id,
        min(report_year) as first_year

    from reports
    group by agency_id

),

expected as (

    select
        first_seen.agency_id,
        years.report_year,
        years.report_year > first_seen.first_year as seen_before

    from first_seen
    inner join years
        on years.report_year >= first_seen.first_year

),

current_reports as (

    select * from reports
    where is_current

),

final as (

    select
        expected.agency_id,
        agencies.agency_name,
        agencies.level,
        agencies.province,
        agencies.city,
        agencies.county,
        expected.report_year,
        case when expected.seen_before then 'published in an earlier year' else 'first report' end as expected_because,
        current_reports.document_id is not null as has_published,
        current_reports.document_id,
        current_reports.status,
        current_reports.published_on,
        case agencies.publisher_kind
            when 'government' then make_date(expected.report_year + 1, 3, 31)
            else make_date(expected.report_year + 1, 1, 31)
        end as deadline,
        current_reports.on_time,
        case
            when current_reports.published_on > current_reports.deadline
                then date_diff('day', current_reports.deadline, current_reports.published_on)
        end as days_late,
        current_reports.document_id is null
            and current_date > case agencies.publisher_kind
                when 'government' then make_date(expected.report_year + 1, 3, 31)
                else make_date(expected.report_year + 1, 1, 31)
            end as is_overdue

    from expected
    left join agencies
        on expected.agency_id = agencies.agency_id
    left join current_reports
        on expected.agency_id = current_reports.agency_id
        and expected.report_year = current_reports.report_year

)

select * from final
