"""bookflow: dynamic books of business, decided in the warehouse and written back to the CRM."""
