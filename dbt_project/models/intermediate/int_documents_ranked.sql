-- Which document is current for its agency-year: among those read at all, one read whole
-- (ok) before one read in part (e.g. the web page beside its attached report), then the latest
-- published, then the latest fetched. Superseded documents stay, pointing at their successor.

with

documents as (

    select * from {{ ref('stg_raw__documents') }}

),

sources as (

    select * from {{ ref('stg_raw__document_sources') }}

),

source_counts as (

    select
        document_id,
        count(*) as source_count

    from sources
    group by document_id

),

ranked as (

    select
        documents.*,
        coalesce(source_counts.source_count, 1) as source_count,
        case
            when documents.status = 'failed'
                or documents.agency_key is null
                or documents.report_year is null
                then null
            else row_number() over (
                partition by
                    documents.agency_key,
                    documents.report_year,
                    documents.status = 'failed'
                order by
                    documents.status = 'ok' desc,
                    documents.published_on desc nulls last,
                    documents.fetched_at desc,
                    documents.document_id
            )
        end as version_rank

    from documents
    left join source_counts
        on documents.document_id = source_counts.document_id

),

final as (

    select
        ranked.*,
        coalesce(ranked.version_rank = 1, false) as is_current,
        case
            when ranked.version_rank > 1
                then first_value(ranked.document_id) over (
                    partition by ranked.agency_key, ranked.report_year, ranked.version_rank is null
                    order by ranked.version_rank
                )
        end as superseded_by

    from ranked

)

select * from final
