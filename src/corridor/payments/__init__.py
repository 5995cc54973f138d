"""Cross-border payments: the payment, its lifecycle, reference data, routing, fees and
settlement on the ledger."""
