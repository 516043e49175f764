"""The commented ``study.toml`` that ``settlescope init`` writes."""

from __future__ import annotations

STUDY_TEMPLATE = """\
# settlescope study file.
# Every key is explained above it. Dates are YYYY-MM-DD. Ids are lower case letters, digits,
# '-' and '_'. After editing, `settlescope status --study DIR` checks the file.

[study]
# A name for reports and the dashboard.
name = "{name}"
# Time zone for sources whose times have no offset (WhatsApp exports). An IANA name.
time_zone = "America/Toronto"
# The programme phase the study is in now (1-6); the Toolkit edition follows it.
phase = 1

[privacy]
# The secret key that pseudonymises private individuals (HMAC-SHA256). It lives OUTSIDE the
# study folder so a shared workspace cannot be re-identified. Keep it safe and back it up:
# the same key gives the same pseudonyms in every wave. The SETTLESCOPE_KEY_FILE environment
# variable overrides this path.
key_file = "{key_file}"
# Replace private individuals' ids, handles and names with stable pseudonyms at import.
pseudonymise = true
# Redact personal data (phone numbers, emails, roster names) from free text at import.
redact_text = false
# Keep client-level rows of offline client records (otherwise only aggregates are stored).
store_client_rows = false

# Waves of data collection. The follow-up repeats the baseline measures.
[[waves]]
id = "baseline"
label = "Baseline (phase 1)"
start = 2026-01-01
end = 2026-06-30

[[waves]]
id = "followup"
label = "Follow-up (phase 6)"
start = 2027-07-01
end = 2027-12-31

# Partners: the settlement provider organizations taking part. Repeat [[partners]] for each.
# [[partners]]
# id = "p01"
# name = "Example Newcomer Centre"
# region = "Ontario"
# type = "settlement-agency"
# time_zone = "America/Toronto"   # optional: overrides the study's zone for this partner
#   # Its accounts, one table per account. Accounts listed here keep their handles.
#   [[partners.accounts]]
#   platform = "facebook"          # facebook instagram whatsapp telegram x tiktok youtube
#                                  # reddit mastodon bluesky linkedin web other
#   handle = "examplenewcomers"
#   id = "1234567890"              # optional: the platform's numeric id
#   kind = "page"                  # organization person group channel page

# Other organizations of the sector (same keys as partners).
# [[sector]]
# id = "s01"
# name = "Another Immigrant Services"
# region = "Alberta"
# type = "settlement-agency"

[taxonomies]
# Taxonomies applied to text, by id and version.
use = ["ircc-services-v1", "topics-v1", "scams-v1"]

# Named column mappings for the generic CSV/NDJSON importer, used with
# `settlescope import FILE --format generic-csv --mapping NAME`.
# Canonical fields for items: platform_id, text, author, created_at, thread_id, parent_id,
# container, kind, language, reactions, comments, shares, views, url, author_name.
# For interactions: source, target, kind, created_at, weight, text.
# [mappings.my_export]
# format = "csv"
# platform = "facebook"
# table = "items"
# columns = {{ platform_id = "post_id", text = "message", author = "from", created_at = "time" }}

# Parameters of measures, one table per measure id. `settlescope measures` lists every
# measure with its parameters and their defaults; leave a table out to use the defaults.
# [measures.item-volume]
# kinds = ["post", "comment", "reply", "message"]
"""
