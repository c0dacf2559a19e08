-- Report years: which template applies and the publication deadlines.

with

reports as (

    select * from {{ ref('dim_report') }}
    where report_year is not null

),

years as (

    select
        report_year,
        count(*) as documents,
        count(*) filter (where is_current) as current_reports

    from reports
    group by report_year

),

final as (

    select
        report_year,
        case
            when report_year < 2019 then 'none'
            when report_year <= 2020 then '2019'
            else '2021'
        end as template_version_expected,
        make_date(report_year + 1, 1, 31) as department_deadline,
        make_date(report_year + 1, 3, 31) as government_deadline,
        documents,
        current_reports

    from years

)

select * from final
