with

source as (

    select * from {{ source('raw', 'documents') }}

),

renamed as (

    select
        sha256 as document_id,
        source,
        format,
        bytes as file_bytes,
        fetched_at,
        loaded_at,
        raw_path,
        nullif(trim(agency), '') as agency_name,
        agency_key,
        report_year,
        published_on,
        template_version,
        status,
        region_status,
        region_province,
        region_city,
        region_county,
        region_adcode,
        region_candidates,
        extractor_version,
        coalesce(extracted_at, loaded_at) as extracted_at,
        read_by,
        narrative

    from source

)

select * from renamed
