"""The CRM extract: dlt sources per CRM (salesforce, hubspot) and the landing that publishes
what they pulled into the warehouse's raw schemas in one transaction (landing)."""
