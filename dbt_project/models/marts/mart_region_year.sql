-- The headline figures summed per province, city and county and report year, with the number of
-- reports behind every number: how many current reports, how many partial, how many documents
-- of the region failed, and for each sum how many reports had it missing — a total never hides
-- a missing report. Agencies whose region is unknown are summed under （地区未知）.

with

agency_years as (

    select * from {{ ref('mart_agency_year') }}

),

failed as (

    select
        dim_report.report_year,
        coalesce(dim_agency.province, '（地区未知）') as province,
        dim_agency.city,
        dim_agency.county,
        count(*) as documents_failed

    from {{ ref('dim_report') }} as dim_report
    inner join {{ ref('dim_agency') }} as dim_agency
        on dim_report.agency_id = dim_agency.agency_id
    where dim_report.status = 'failed'
        and dim_report.report_year is not null
    group by all

),

placed as (

    select
        agency_years.*,
        coalesce(agency_years.province, '（地区未知）') as province_or_unknown

    from agency_years

),

summed as (

    select
        case
            when grouping(city) = 1 then 'province'
            when grouping(county) = 1 then 'city'
            else 'county'
        end as region_level,
        province_or_unknown as province,
        city,
        county,
        report_year,
        count(*) as reports,
        count(*) filter (where status = 'partial') as reports_partial,
        count(*) filter (where on_time) as reports_on_time,
        sum(new_requests) as new_requests,
        count(*) filter (where new_requests is null) as reports_missing_new_requests,
        sum(granted) as granted,
        count(*) filter (where granted is null) as reports_missing_granted,
        sum(denied) as denied,
        count(*) filter (where denied is null) as reports_missing_denied,
        sum(outcome_total) as outcome_total,
        sum(granted) filter (where outcome_total is not null) as granted_with_total,
        sum(outcome_total) filter (where granted is not null) as total_with_granted,
        count(*) filter (where outcome_total is null) as reports_missing_outcome_total,
        sum(reviews) as reviews,
        count(*) filter (where reviews is null) as reports_missing_reviews,
        sum(suits) as suits,
        count(*) filter (where suits is null) as reports_missing_suits

    from placed
    group by grouping sets (
        (province_or_unknown, report_year),
        (province_or_unknown, city, report_year),
        (province_or_unknown, city, county, report_year)
    )

),

failed_summed as (

    select
        province,
        city,
        county,
        report_year,
        case
            when grouping(city) = 1 then 'province'
            when grouping(county) = 1 then 'city'
            else 'county'
        end as region_level,
        sum(documents_failed) as documents_failed

    from failed
    group by grouping sets (
        (province, report_year),
        (province, city, report_year),
        (province, city, county, report_year)
    )

),

final as (

    select
        summed.region_level,
        summed.province,
        summed.city,
        summed.county,
        summed.report_year,
        summed.reports,
        summed.reports_partial,
        coalesce(failed_summed.documents_failed, 0) as documents_failed,
        summed.reports_on_time,
        summed.new_requests,
        summed.reports_missing_new_requests,
        summed.granted,
        summed.reports_missing_granted,
        summed.denied,
        summed.reports_missing_denied,
        summed.outcome_total,
        summed.reports_missing_outcome_total,
        -- from the reports that print both figures
        case when summed.total_with_granted > 0 then round(summed.granted_with_total / summed.total_with_granted, 4) end as granted_share,
        summed.reviews,
        summed.reports_missing_reviews,
        summed.suits,
        summed.reports_missing_suits

    from summed
    left join failed_summed
        on summed.region_level = failed_summed.region_level
        and summed.province = failed_summed.province
        and summed.city is not distinct from failed_summed.city
        and summed.county is not distinct from failed_summed.county
        and summed.report_year = failed_summed.report_year

)

select * from final
