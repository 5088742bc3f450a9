{#- The opportunities of the CRM in use (macros/crm.sql), in one shape whichever it is. -#}
{%- set salesforce = ref('stg_salesforce__opportunities') -%}
{%- set hubspot = ref('stg_hubspot__opportunities') -%}
select * from {{ hubspot if crm() == 'hubspot' else salesforce }}
