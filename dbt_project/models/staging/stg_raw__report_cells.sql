with

source as (

    select * from {{ source('raw', 'report_cells') }}

),

renamed as (

    select
        sha256 as document_id,
        table_name,
        row_code,
        col_code,
        value,
        printed,
        unit,
        page,
        line,
        at_table,
        at_row,
        at_col,
        coalesce(source, 'text') as source,
        confidence,
        verified

    from source

)

select * from renamed
