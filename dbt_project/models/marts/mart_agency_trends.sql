-- Per agency, year on year: requests received, outcomes by group, share granted, reviews and
-- suits, each beside the previous year's figure and the change. "Previous" means the report
-- year before (a gap year leaves the previous figures NULL, never a two-year change).

with

agency_years as (

    select * from {{ ref('mart_agency_year') }}

),

paired as (

    select
        agency_years.*,
        lag(agency_years.report_year) over w as prior_year,
        lag(agency_years.new_requests) over w as prior_new_requests,
        lag(agency_years.granted) over w as prior_granted,
        lag(agency_years.denied) over w as prior_denied,
        lag(agency_years.granted_share) over w as prior_granted_share,
        lag(agency_years.reviews) over w as prior_reviews,
        lag(agency_years.suits) over w as prior_suits

    from agency_years
    window w as (partition by agency_years.agency_id order by agency_years.report_year)

),

final as (

    select
        agency_id,
        agency_name,
        level,
        province,
        city,
        county,
        report_year,
        document_id,
        status,
        new_requests,
        granted,
        partially_granted,
        denied,
        unable,
        not_processed,
        other_processed,
        outcome_total,
        granted_share,
        reviews,
        suits,
        prior_year = report_year - 1 as has_previous_year,
        case when prior_year = report_year - 1 then prior_new_requests end as previous_new_requests,
        case when prior_year = report_year - 1 then new_requests - prior_new_requests end as change_new_requests,
        case when prior_year = report_year - 1 and prior_new_requests > 0
            then round((new_requests - prior_new_requests) / prior_new_requests, 4) end as change_new_requests_pct,
        case when prior_year = report_year - 1 then granted - prior_granted end as change_granted,
        case when prior_year = report_year - 1 then denied - prior_denied end as change_denied,
        case when prior_year = report_year - 1 then round(granted_share - prior_granted_share, 4) end as change_granted_share,
        case when prior_year = report_year - 1 then reviews - prior_reviews end as change_reviews,
        case when prior_year = report_year - 1 then suits - prior_suits end as change_suits,
        missing_cells

    from paired

)

select * from final
