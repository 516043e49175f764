"""Synthetic study generator with planted truth.

``generate(out_dir, size, seed, key_file, progress)`` writes a complete study folder:
``study.toml``, exports in real platform formats (Telegram JSON, WhatsApp text, CrowdTangle
CSV, Meta insights CSV, client aggregates) and the same records in the generic NDJSON format,
a ``manifest.json`` naming the importer of each file, and a ``truth.json`` with everything
planted (response times, answer rates, communities, scams, representation gaps, exact counts,
and the exact interaction network of every container and platform in each wave).
"""

from __future__ import annotations

from settlescope.synth.generate import SIZES, SizeSpec, SynthResult, generate

__all__ = ["SIZES", "SizeSpec", "SynthResult", "generate"]
