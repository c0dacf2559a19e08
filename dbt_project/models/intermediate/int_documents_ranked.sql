-- Which document is current for its agency-year: among those read at all, one read whole
-- (ok) before one read in part (e.g. the web page beside its attached report), then the latest
-- published, then the latest fetched. Superseded documents stay, pointing at their successor.

with

printed as (

    select * from {{ ref('stg_raw__documents') }}

),

aliases as (

    select
        regexp_replace(old_name, '[\s()（）·.,，、]', '', 'g') as old_key,
        nullif(trim(region_adcode), '') as region_adcode,
        regexp_replace(agency_name, '[\s()（）·.,，、]', '', 'g') as current_key

    from {{ ref('agency_aliases') }}

),

documents as (

    -- an agency is its (current) name and its place: the region the report names, else the
    -- region its source states; without a place it is its name alone (identity_basis says so)
    select
        renamed.*,
        renamed.agency_key || coalesce('@' || renamed.region_adcode, '') as agency_identity,
        case
            when renamed.agency_key is null then null
            when renamed.region_adcode is not null then 'name and region'
            else 'name only'
        end as identity_basis

    from (
        select
            printed.* replace (coalesce(aliases.current_key, printed.agency_key) as agency_key),
            printed.agency_key as printed_agency_key

        from printed
        left join aliases
            on printed.agency_key = aliases.old_key
            and (aliases.region_adcode is null or aliases.region_adcode = printed.region_adcode)
        qualify row_number() over (
            partition by printed.document_id order by aliases.region_adcode is null, aliases.current_key
        ) = 1
    ) as renamed

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
                or documents.agency_identity is null
                or documents.report_year is null
                then null
            else row_number() over (
                partition by
                    documents.agency_identity,
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
                    partition by ranked.agency_identity, ranked.report_year, ranked.version_rank is null
                    order by ranked.version_rank
                )
        end as superseded_by

    from ranked

)

select * from final
