"""Phase 1 (iii): the online audience against the offline clients."""
