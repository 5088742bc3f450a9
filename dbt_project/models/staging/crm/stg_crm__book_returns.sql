{#- The book returns of the CRM in use (macros/crm.sql), in one shape whichever it is. -#}
{%- set salesforce = ref('stg_salesforce__book_returns') -%}
{%- set hubspot = ref('stg_hubspot__book_returns') -%}
select * from {{ hubspot if crm() == 'hubspot' else salesforce }}
