"""Phase 1 (i): volume, density and reach of the partners' networks."""
