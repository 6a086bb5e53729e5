"""The fund-ledger area of the window (资金台账): entries, reversals, budgets and plans, sub-units' use."""
