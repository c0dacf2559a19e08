with

source as (

    select * from {{ source('raw', 'extraction_problems') }}

),

renamed as (

    select
        sha256 as document_id,
        seq as problem_seq,
        code as problem_code,
        table_name,
        row_code,
        col_code,
        message

    from source

)

select * from renamed
