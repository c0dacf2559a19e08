-- One row per document, superseded and failed ones included, with its deadline (R8).

with

documents as (

    select * from {{ ref('int_documents_ranked') }}

),

agencies as (

    select * from {{ ref('dim_agency') }}

),

problems as (

    select
        document_id,
        count(*) as problem_count,
        count(*) filter (where problem_code = 'blank_cell') as blank_cell_count

    from {{ ref('stg_raw__extraction_problems') }}
    group by document_id

),

final as (

    select
        documents.document_id,
        agencies.agency_id,
        documents.agency_name,
        documents.report_year,
        documents.template_version,
        documents.status,
        documents.format,
        documents.source,
        documents.source_count,
        documents.raw_path,
        documents.file_bytes,
        documents.fetched_at,
        documents.loaded_at,
        documents.published_on,
        documents.read_by,
        documents.extractor_version,
        documents.extracted_at,
        agencies.publisher_kind,
        case
            when documents.report_year is null then null
            when agencies.publisher_kind = 'government' then make_date(documents.report_year + 1, 3, 31)
            else make_date(documents.report_year + 1, 1, 31)
        end as deadline,
        case
            when documents.published_on is null or documents.report_year is null then null
            when agencies.publisher_kind = 'government' then documents.published_on <= make_date(documents.report_year + 1, 3, 31)
            else documents.published_on <= make_date(documents.report_year + 1, 1, 31)
        end as on_time,
        documents.is_current,
        documents.superseded_by,
        coalesce(problems.problem_count, 0) as problem_count,
        coalesce(problems.blank_cell_count, 0) as blank_cell_count,
        documents.narrative

    from documents
    left join agencies
        on md5(documents.agency_identity) = agencies.agency_id
    left join problems
        on documents.document_id = problems.document_id

)

select * from final
