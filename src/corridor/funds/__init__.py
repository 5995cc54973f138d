"""Cross-border investment funds: the fund register (funds, share classes, NAVs), dealing
(subscriptions paid in and redemptions paid out through the payments engine), the unit
register of who holds what, and holdings valued at NAV."""
