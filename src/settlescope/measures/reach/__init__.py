"""Phase 1 (i): the reach of the partners' accounts: audience, engagement, two-hop reach."""
