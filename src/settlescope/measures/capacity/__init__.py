"""Phase 1 (ii): capacity to deliver settlement services through social media."""
