-- One row per agency (its current normalised name and its place), with its level and region as its latest document gives them.

with

documents as (

    select * from {{ ref('int_documents_ranked') }}
    where agency_identity is not null

),

latest as (

    select *
    from documents
    qualify row_number() over (
        partition by agency_identity
        order by report_year desc nulls last, is_current desc, published_on desc nulls last, document_id
    ) = 1

),

classified as (

    select
        md5(agency_identity) as agency_id,
        identity_basis,
        agency_name,
        agency_key as agency_name_normalised,
        case
            when regexp_matches(agency_name, '(人民政府办公室|人民政府办公厅|政府办公室|政府办公厅|管委会办公室)$') then 'government office'
            when regexp_matches(agency_name, '(人民政府|政府|管委会|管理委员会|实验区|新区|开发区|高新区|示范区)$') then 'government'
            when region_status = 'resolved' and agency_name in (region_province, region_city, region_county) then 'government'
            else 'department'
        end as agency_kind,
        case
            when regexp_matches(agency_name, '(镇|乡|街道|街道办事处)(人民政府|政府|办事处)?$') then 'township'
            when region_county is not null then 'county'
            when region_city is not null then 'city'
            when region_province is not null then 'province'
            when regexp_matches(agency_name, '^(国家|国务院|中华人民共和国|中国)') or regexp_matches(agency_name, '部$') then 'national'
            else 'unknown'
        end as admin_level,
        region_status,
        region_province as province,
        region_city as city,
        region_county as county,
        region_adcode as adcode,
        region_candidates

    from latest

),

final as (

    select
        agency_id,
        identity_basis,
        agency_name,
        agency_name_normalised,
        admin_level || ' ' || agency_kind as level,
        admin_level,
        agency_kind,
        case when agency_kind = 'government' then 'government' else 'department' end as publisher_kind,
        region_status,
        province,
        city,
        county,
        adcode,
        region_candidates

    from classified

)

select * from final
