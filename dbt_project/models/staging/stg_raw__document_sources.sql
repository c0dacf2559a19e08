with

source as (

    select * from {{ source('raw', 'document_sources') }}

),

renamed as (

    select
        sha256 as document_id,
        source,
        first_seen_at

    from source

)

select * from renamed
