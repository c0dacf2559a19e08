-- One row per agency-year (the current report) with the headline figures, for BI.
-- A figure built from a missing cell is NULL (see missing_cells), never silently smaller.

with

requests as (

    select * from {{ ref('fct_requests') }}
    where applicant = 'total'

),

litigation as (

    select * from {{ ref('fct_litigation') }}

),

reports as (

    select * from {{ ref('dim_report') }}
    where is_current

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

request_figures as (

    select
        document_id,
        max(value) filter (where row_code = 'new_received') as new_requests,
        max(value) filter (where row_code = 'carried_over') as carried_over,
        max(value) filter (where row_code = 'granted') as granted,
        max(value) filter (where row_code = 'partially_granted') as partially_granted,
        case when count(*) filter (where outcome_group = 'denied' and value is null) = 0
            then sum(value) filter (where outcome_group = 'denied') end as denied,
        max(value) filter (where row_code = 'denied_state_secret') as denied_state_secret,
        max(value) filter (where row_code = 'denied_prohibited_by_law') as denied_prohibited_by_law,
        max(value) filter (where row_code = 'denied_security_stability') as denied_security_stability,
        max(value) filter (where row_code = 'denied_third_party') as denied_third_party,
        max(value) filter (where row_code = 'denied_internal_affairs') as denied_internal_affairs,
        max(value) filter (where row_code = 'denied_process_info') as denied_process_info,
        max(value) filter (where row_code = 'denied_enforcement_file') as denied_enforcement_file,
        max(value) filter (where row_code = 'denied_admin_query') as denied_admin_query,
        case when count(*) filter (where outcome_group = 'unable' and value is null) = 0
            then sum(value) filter (where outcome_group = 'unable') end as unable,
        case when count(*) filter (where outcome_group = 'not_processed' and value is null) = 0
            then sum(value) filter (where outcome_group = 'not_processed') end as not_processed,
        case when count(*) filter (where outcome_group = 'other' and value is null) = 0
            then sum(value) filter (where outcome_group = 'other') end as other_processed,
        max(value) filter (where row_code = 'outcome_total') as outcome_total,
        max(value) filter (where row_code = 'carried_forward') as carried_forward,
        count(*) filter (where value is null) as missing_request_cells

    from requests
    group by document_id

),

litigation_figures as (

    select
        document_id,
        max(value) filter (where proceeding = 'review' and result = 'total') as reviews,
        max(value) filter (where proceeding = 'review' and result = 'corrected') as reviews_corrected,
        case when count(*) filter (where proceeding like 'suit%' and result = 'total' and value is null) = 0
            then sum(value) filter (where proceeding like 'suit%' and result = 'total') end as suits,
        case when count(*) filter (where proceeding like 'suit%' and result = 'corrected' and value is null) = 0
            then sum(value) filter (where proceeding like 'suit%' and result = 'corrected') end as suits_corrected,
        count(*) filter (where value is null) as missing_litigation_cells

    from litigation
    group by document_id

),

final as (

    select
        reports.agency_id,
        agencies.agency_name,
        agencies.level,
        agencies.province,
        agencies.city,
        agencies.county,
        reports.report_year,
        reports.document_id,
        reports.template_version,
        reports.status,
        reports.published_on,
        reports.on_time,
        request_figures.new_requests,
        request_figures.carried_over,
        request_figures.granted,
        request_figures.partially_granted,
        case
            when request_figures.outcome_total > 0
                then round((request_figures.granted + request_figures.partially_granted) / request_figures.outcome_total, 4)
        end as granted_share,
        request_figures.denied,
        request_figures.denied_state_secret,
        request_figures.denied_prohibited_by_law,
        request_figures.denied_security_stability,
        request_figures.denied_third_party,
        request_figures.denied_internal_affairs,
        request_figures.denied_process_info,
        request_figures.denied_enforcement_file,
        request_figures.denied_admin_query,
        request_figures.unable,
        request_figures.not_processed,
        request_figures.other_processed,
        request_figures.outcome_total,
        request_figures.carried_forward,
        litigation_figures.reviews,
        litigation_figures.reviews_corrected,
        litigation_figures.suits,
        litigation_figures.suits_corrected,
        coalesce(request_figures.missing_request_cells, 0) + coalesce(litigation_figures.missing_litigation_cells, 0) as missing_cells

    from reports
    left join agencies
        on reports.agency_id = agencies.agency_id
    left join request_figures
        on reports.document_id = request_figures.document_id
    left join litigation_figures
        on reports.document_id = litigation_figures.document_id

)

select * from final
